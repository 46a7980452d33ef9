using System.Net;
using System.Text.Json.Nodes;
using Flagger.Sandbox.Kubernetes;
using Flagger.Testing.Kubernetes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Flagger.Sandbox.Tests.FakeApiServer;

/// <summary><c>metadata.finalizers</c> and <c>deletionTimestamp</c> as kube-apiserver handles them.</summary>
[Collection(FakeApiServerCollection.Name)]
public sealed class FinalizerTests(FakeApiServerFixture fixture)
{
    private const string Finalizer = "finalizer.flagger.app";
    private readonly FakeKubernetesApiServer _server = fixture.FreshServer();
    private readonly string _ns = fixture.NewNamespace();

    [Fact]
    public async Task DeleteCanary_WithAFinalizer_SetsDeletionTimestampAndKeepsTheObject()
    {
        using var client = _server.CreateClient();
        var before = await CreateCanaryAsync(client, Finalizer);

        var answer = await client.CustomObjects.DeleteNamespacedCustomObjectAsync<JsonObject>("flagger.app", "v1beta1", _ns, "canaries", "podinfo");

        Assert.NotNull(answer["metadata"]!["deletionTimestamp"]);
        Assert.Equal(0, answer["metadata"]!["deletionGracePeriodSeconds"]!.GetValue<int>());
        var stored = await ReadCanaryAsync(client);
        Assert.NotNull(stored["metadata"]!["deletionTimestamp"]);
        Assert.True(long.Parse(Version(stored)) > long.Parse(Version(before)));
        Assert.Equal([Finalizer], Finalizers(stored));
    }

    [Fact]
    public async Task DeleteDeployment_WithAFinalizer_AnswersTheObjectInsteadOfAStatus()
    {
        using var client = _server.CreateClient();
        var deployment = Objects.Deployment(_ns, "podinfo");
        deployment.Metadata.Finalizers = ["example.com/keep"];
        await client.AppsV1.CreateNamespacedDeploymentAsync(deployment, _ns);

        var answer = await client.AppsV1.DeleteNamespacedDeploymentAsync("podinfo", _ns);

        Assert.True(answer.HasObject);
        Assert.NotNull(answer.ObjectView<V1Deployment>().Metadata.DeletionTimestamp);
        Assert.NotNull((await client.AppsV1.ReadNamespacedDeploymentAsync("podinfo", _ns)).Metadata.DeletionTimestamp);
    }

    [Fact]
    public async Task PatchCanary_RemovingTheLastFinalizerOfADeletedObject_RemovesIt()
    {
        using var client = _server.CreateClient();
        await CreateCanaryAsync(client, Finalizer);
        await client.CustomObjects.DeleteNamespacedCustomObjectAsync<JsonObject>("flagger.app", "v1beta1", _ns, "canaries", "podinfo");

        await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "flagger.app", "v1beta1", _ns, "canaries", "podinfo");

        Assert.Null(_server.Get("flagger.app/v1beta1", "Canary", _ns, "podinfo"));
    }

    [Fact]
    public async Task PatchCanary_RemovingOneOfTwoFinalizersOfADeletedObject_KeepsItUntilTheLastGoes()
    {
        using var client = _server.CreateClient();
        await CreateCanaryAsync(client, "example.com/other", Finalizer);
        await client.CustomObjects.DeleteNamespacedCustomObjectAsync<JsonObject>("flagger.app", "v1beta1", _ns, "canaries", "podinfo");

        await PatchFinalizersAsync(client, "example.com/other");
        Assert.Equal(["example.com/other"], Finalizers(await ReadCanaryAsync(client)));

        await PatchFinalizersAsync(client);
        Assert.Null(_server.Get("flagger.app/v1beta1", "Canary", _ns, "podinfo"));
    }

    [Fact]
    public async Task PatchCanary_AddingAFinalizerWhileBeingDeleted_Is422Forbidden()
    {
        using var client = _server.CreateClient();
        await CreateCanaryAsync(client, "example.com/other");
        await client.CustomObjects.DeleteNamespacedCustomObjectAsync<JsonObject>("flagger.app", "v1beta1", _ns, "canaries", "podinfo");

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => PatchFinalizersAsync(client, "example.com/other", Finalizer));

        Assert.Equal((HttpStatusCode)422, error.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(error.Response.Content);
        Assert.Equal("Invalid", status.Reason);
        Assert.Contains($"metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{{\"{Finalizer}\"}}", status.Message);
    }

    [Fact]
    public async Task ReplaceCanary_ClearingOrSettingDeletionTimestamp_KeepsTheStoredOne()
    {
        using var client = _server.CreateClient();
        await CreateCanaryAsync(client, Finalizer);
        var live = await ReadCanaryAsync(client);
        live["metadata"]!["deletionTimestamp"] = "2020-01-01T00:00:00Z";
        var replaced = await client.CustomObjects.ReplaceNamespacedCustomObjectAsync<JsonObject>(live, "flagger.app", "v1beta1", _ns, "canaries", "podinfo");
        Assert.Null(replaced["metadata"]!["deletionTimestamp"]);

        await client.CustomObjects.DeleteNamespacedCustomObjectAsync<JsonObject>("flagger.app", "v1beta1", _ns, "canaries", "podinfo");
        var deleting = await ReadCanaryAsync(client);
        var stamp = deleting["metadata"]!["deletionTimestamp"]!.GetValue<string>();
        deleting["metadata"]!.AsObject().Remove("deletionTimestamp");
        deleting["spec"]!["suspend"] = true;
        var updated = await client.CustomObjects.ReplaceNamespacedCustomObjectAsync<JsonObject>(deleting, "flagger.app", "v1beta1", _ns, "canaries", "podinfo");

        Assert.Equal(stamp, updated["metadata"]!["deletionTimestamp"]!.GetValue<string>());
        Assert.True(updated["spec"]!["suspend"]!.GetValue<bool>());
    }

    [Fact]
    public async Task DeleteCanary_AlreadyBeingDeleted_ChangesNothing()
    {
        using var client = _server.CreateClient();
        await CreateCanaryAsync(client, Finalizer);
        await client.CustomObjects.DeleteNamespacedCustomObjectAsync<JsonObject>("flagger.app", "v1beta1", _ns, "canaries", "podinfo");
        var first = await ReadCanaryAsync(client);

        await client.CustomObjects.DeleteNamespacedCustomObjectAsync<JsonObject>("flagger.app", "v1beta1", _ns, "canaries", "podinfo");

        Assert.Equal(Version(first), Version(await ReadCanaryAsync(client)));
    }

    [Fact]
    public async Task DeleteCanary_WithoutFinalizers_RemovesItAtOnce()
    {
        using var client = _server.CreateClient();
        await CreateCanaryAsync(client);

        await client.CustomObjects.DeleteNamespacedCustomObjectAsync<JsonObject>("flagger.app", "v1beta1", _ns, "canaries", "podinfo");

        Assert.Null(_server.Get("flagger.app/v1beta1", "Canary", _ns, "podinfo"));
    }

    private async Task<JsonObject> CreateCanaryAsync(IKubernetes client, params string[] finalizers)
    {
        var canary = JsonNode.Parse(KubernetesJson.Serialize(Objects.Canary(_ns, "podinfo")))!.AsObject();
        if (finalizers.Length > 0)
        {
            canary["metadata"]!["finalizers"] = new JsonArray([.. finalizers.Select(f => (JsonNode)f)]);
        }

        return await client.CustomObjects.CreateNamespacedCustomObjectAsync<JsonObject>(canary, "flagger.app", "v1beta1", _ns, "canaries");
    }

    private Task<JsonObject> ReadCanaryAsync(IKubernetes client) =>
        client.CustomObjects.GetNamespacedCustomObjectAsync<JsonObject>("flagger.app", "v1beta1", _ns, "canaries", "podinfo");

    private Task PatchFinalizersAsync(IKubernetes client, params string[] finalizers)
    {
        var patch = new JsonObject { ["metadata"] = new JsonObject { ["finalizers"] = new JsonArray([.. finalizers.Select(f => (JsonNode)f)]) } };
        return client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), "flagger.app", "v1beta1", _ns, "canaries", "podinfo");
    }

    private static string Version(JsonObject obj) => obj["metadata"]!["resourceVersion"]!.GetValue<string>();

    private static List<string> Finalizers(JsonObject obj) =>
        [.. (obj["metadata"]!["finalizers"] as JsonArray ?? []).Select(f => f!.GetValue<string>())];
}
