using Flagger.Testing.Kubernetes;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flagger.Sandbox.Kubernetes;
using k8s;
using k8s.Models;

namespace Flagger.Sandbox.Tests.FakeApiServer;

[Collection(FakeApiServerCollection.Name)]
public sealed class StatusSubresourceTests(FakeApiServerFixture fixture)
{
    private readonly FakeKubernetesApiServer _server = fixture.FreshServer();
    private readonly string _ns = fixture.NewNamespace();

    [Fact]
    public async Task PatchCanaryStatus_BodyWithSpec_ChangesOnlyStatus()
    {
        var client = _server.CreateClient();
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(Objects.Canary(_ns, "podinfo"), "flagger.app", "v1beta1", _ns, "canaries");

        var answer = await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"spec":{"analysis":{"threshold":99}},"status":{"phase":"Progressing","canaryWeight":10}}""", V1Patch.PatchType.MergePatch),
            "flagger.app", "v1beta1", _ns, "canaries", "podinfo");

        var canary = JsonSerializer.SerializeToNode(answer)!;
        Assert.Equal("Progressing", canary["status"]!["phase"]!.GetValue<string>());
        Assert.Equal(10, canary["status"]!["canaryWeight"]!.GetValue<int>());
        Assert.Equal(5, canary["spec"]!["analysis"]!["threshold"]!.GetValue<int>());
        Assert.Equal(1, canary["metadata"]!["generation"]!.GetValue<int>());
        Assert.Contains(_server.Requests.All, r => r.Method == "PATCH" && r.Path == $"/apis/flagger.app/v1beta1/namespaces/{_ns}/canaries/podinfo/status");
    }

    [Fact]
    public async Task PatchCanary_MainPathWithStatus_IgnoresStatus()
    {
        var client = _server.CreateClient();
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(Objects.Canary(_ns, "podinfo"), "flagger.app", "v1beta1", _ns, "canaries");
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"phase":"Initialized"}}""", V1Patch.PatchType.MergePatch), "flagger.app", "v1beta1", _ns, "canaries", "podinfo");

        await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"spec":{"analysis":{"threshold":9}},"status":{"phase":"Failed"}}""", V1Patch.PatchType.MergePatch),
            "flagger.app", "v1beta1", _ns, "canaries", "podinfo");

        var stored = _server.Get("flagger.app/v1beta1", "Canary", _ns, "podinfo")!;
        Assert.Equal("Initialized", stored["status"]!["phase"]!.GetValue<string>());
        Assert.Equal(9, stored["spec"]!["analysis"]!["threshold"]!.GetValue<int>());
        Assert.Equal(2, stored["metadata"]!["generation"]!.GetValue<int>());
    }

    [Fact]
    public async Task CreateCanary_WithStatus_StatusDropped()
    {
        var client = _server.CreateClient();
        var canary = Objects.Canary(_ns, "podinfo");
        canary["status"] = new Dictionary<string, object> { ["phase"] = "Succeeded" };

        await client.CustomObjects.CreateNamespacedCustomObjectAsync(canary, "flagger.app", "v1beta1", _ns, "canaries");

        Assert.Null(_server.Get("flagger.app/v1beta1", "Canary", _ns, "podinfo")!["status"]);
    }

    [Fact]
    public async Task ReplaceDeploymentStatus_WithSpecChange_GenerationUnchanged()
    {
        _server.Deployments.Automatic = false;
        var client = _server.CreateClient();
        await client.AppsV1.CreateNamespacedDeploymentAsync(Objects.Deployment(_ns, "podinfo"), _ns);
        var read = await client.AppsV1.ReadNamespacedDeploymentAsync("podinfo", _ns);
        read.Spec.Replicas = 9;
        read.Status = new V1DeploymentStatus { ObservedGeneration = 1, Replicas = 2 };

        var written = await client.AppsV1.ReplaceNamespacedDeploymentStatusAsync(read, "podinfo", _ns);

        Assert.Equal((2, 2, 1L), (written.Spec.Replicas, written.Status.Replicas, written.Metadata.Generation!.Value));
        Assert.NotEqual(read.Metadata.ResourceVersion, written.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task ListCanaries_CustomObjects_ItemsKeepKindAndApiVersion()
    {
        var client = _server.CreateClient();
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(Objects.Canary(_ns, "a"), "flagger.app", "v1beta1", _ns, "canaries");
        await client.AppsV1.CreateNamespacedDeploymentAsync(Objects.Deployment(_ns, "a"), _ns);

        var canaries = JsonSerializer.SerializeToNode(await client.CustomObjects.ListNamespacedCustomObjectAsync("flagger.app", "v1beta1", _ns, "canaries"))!;
        var deployments = await client.AppsV1.ListNamespacedDeploymentAsync(_ns);

        Assert.Equal("CanaryList", canaries["kind"]!.GetValue<string>());
        var item = Assert.Single(canaries["items"]!.AsArray())!;
        Assert.Equal(("Canary", "flagger.app/v1beta1"), (item["kind"]!.GetValue<string>(), item["apiVersion"]!.GetValue<string>()));
        Assert.Null(Assert.Single(deployments.Items).Kind);
    }
}
