using Flagger.Testing.Kubernetes;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Flagger.Sandbox.Kubernetes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Flagger.Sandbox.Tests.FakeApiServer;

[Collection(FakeApiServerCollection.Name)]
public sealed class PatchTests(FakeApiServerFixture fixture)
{
    private readonly FakeKubernetesApiServer _server = fixture.FreshServer();
    private readonly string _ns = fixture.NewNamespace();

    [Fact]
    public async Task MergePatch_NullAndNestedValues_RemovesAndMerges()
    {
        var client = _server.CreateClient();
        await client.CoreV1.CreateNamespacedConfigMapAsync(Objects.ConfigMap(_ns, "settings", new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }), _ns);

        var patched = await client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"metadata":{"labels":{"a":null,"c":"3"}},"data":{"extra":"x"}}""", V1Patch.PatchType.MergePatch), "settings", _ns);

        Assert.Equal(new Dictionary<string, string> { ["b"] = "2", ["c"] = "3" }, patched.Metadata.Labels);
        Assert.Equal(new Dictionary<string, string> { ["key"] = "value", ["extra"] = "x" }, patched.Data);
        Assert.StartsWith("application/merge-patch+json", _server.Requests.All.Last().ContentType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MergePatch_Missing_Throws404()
    {
        var client = _server.CreateClient();

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"data":{"a":"b"}}""", V1Patch.PatchType.MergePatch), "missing", _ns));

        Assert.Equal(HttpStatusCode.NotFound, error.Response.StatusCode);
    }

    [Fact]
    public async Task MergePatch_StaleResourceVersionInBody_Throws409()
    {
        var client = _server.CreateClient();
        var created = await client.CoreV1.CreateNamespacedConfigMapAsync(Objects.ConfigMap(_ns, "guarded"), _ns);
        await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"a":"1"}}""", V1Patch.PatchType.MergePatch), "guarded", _ns);

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch($$$"""{"metadata":{"resourceVersion":"{{{created.Metadata.ResourceVersion}}}"},"data":{"a":"2"}}""", V1Patch.PatchType.MergePatch), "guarded", _ns));

        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        Assert.Equal("1", _server.Get<V1ConfigMap>(_ns, "guarded")!.Data["a"]);
    }

    [Fact]
    public async Task JsonPatch_PassingTest_AppliesAllOperations()
    {
        var client = _server.CreateClient();
        await client.AppsV1.CreateNamespacedDeploymentAsync(Objects.Deployment(_ns, "podinfo"), _ns);

        var patched = await client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch("""
            [
              {"op":"test","path":"/spec/replicas","value":2},
              {"op":"replace","path":"/spec/replicas","value":3},
              {"op":"add","path":"/metadata/labels/flagger.app~1id","value":"abc"},
              {"op":"copy","from":"/spec/replicas","path":"/metadata/annotations"},
              {"op":"remove","path":"/metadata/annotations"},
              {"op":"add","path":"/spec/template/spec/containers/-","value":{"name":"extra","image":"busybox"}}
            ]
            """, V1Patch.PatchType.JsonPatch), "podinfo", _ns);

        Assert.Equal(3, patched.Spec.Replicas);
        Assert.Equal("abc", patched.Metadata.Labels["flagger.app/id"]);
        Assert.Equal(["podinfo", "sidecar", "extra"], patched.Spec.Template.Spec.Containers.Select(c => c.Name));
    }

    [Fact]
    public async Task JsonPatch_FailingTest_Throws422InvalidAndChangesNothing()
    {
        var client = _server.CreateClient();
        await client.AppsV1.CreateNamespacedDeploymentAsync(Objects.Deployment(_ns, "podinfo"), _ns);
        var created = await client.AppsV1.ReadNamespacedDeploymentAsync("podinfo", _ns);

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch("""
            [{"op":"replace","path":"/spec/replicas","value":7},{"op":"test","path":"/spec/replicas","value":2}]
            """, V1Patch.PatchType.JsonPatch), "podinfo", _ns));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(error.Response.Content);
        Assert.Equal(("Invalid", 422), (status.Reason, status.Code));
        var read = await client.AppsV1.ReadNamespacedDeploymentAsync("podinfo", _ns);
        Assert.Equal((2, created.Metadata.ResourceVersion), (read.Spec.Replicas, read.Metadata.ResourceVersion));
    }

    [Fact]
    public async Task StrategicMergePatch_Containers_MergedByName()
    {
        var client = _server.CreateClient();
        await client.AppsV1.CreateNamespacedDeploymentAsync(Objects.Deployment(_ns, "podinfo"), _ns);

        var patched = await client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch("""
            {"spec":{"template":{"spec":{"containers":[
              {"name":"podinfo","image":"ghcr.io/stefanprodan/podinfo:6.0.1","env":[{"name":"COLOR","value":"blue"}]},
              {"name":"sidecar","$patch":"delete"},
              {"name":"proxy","image":"envoy:1.30"}
            ]}}}}
            """, V1Patch.PatchType.StrategicMergePatch), "podinfo", _ns);

        var containers = patched.Spec.Template.Spec.Containers;
        Assert.Equal(["podinfo", "proxy"], containers.Select(c => c.Name));
        Assert.Equal("ghcr.io/stefanprodan/podinfo:6.0.1", containers[0].Image);
        Assert.Equal(9898, Assert.Single(containers[0].Ports).ContainerPort);
        Assert.Equal(["LEVEL", "COLOR"], containers[0].Env.Select(e => e.Name));
    }

    [Fact]
    public async Task StrategicMergePatch_CustomResource_Throws415()
    {
        var client = _server.CreateClient();
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(Objects.Canary(_ns, "podinfo"), "flagger.app", "v1beta1", _ns, "canaries");

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"spec":{"analysis":{"threshold":1}}}""", V1Patch.PatchType.StrategicMergePatch), "flagger.app", "v1beta1", _ns, "canaries", "podinfo"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, error.Response.StatusCode);
        Assert.Equal("UnsupportedMediaType", KubernetesJson.Deserialize<V1Status>(error.Response.Content).Reason);
    }

    [Fact]
    public async Task Patch_UnknownMediaType_Returns415Status()
    {
        using var http = _server.CreateHttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _server.Token);
        _server.Seed(Objects.ConfigMap(_ns, "plain"));
        using var content = new StringContent("""{"data":{"a":"b"}}""", Encoding.UTF8, "application/json");

        using var response = await http.PatchAsync($"/api/v1/namespaces/{_ns}/configmaps/plain", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("Status", JsonNode.Parse(await response.Content.ReadAsStringAsync())!["kind"]!.GetValue<string>());
    }

    [Fact]
    public async Task ApplyPatch_AbsentThenPresent_CreatesThenMerges()
    {
        var client = _server.CreateClient();
        var body = $$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"applied","namespace":"{{{_ns}}}"},"data":{"a":"1"}}""";

        var created = await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch(body, V1Patch.PatchType.ApplyPatch), "applied", _ns, fieldManager: "flagger");
        var merged = await client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"applied"},"data":{"b":"2"}}""", V1Patch.PatchType.ApplyPatch),
            "applied", _ns, fieldManager: "flagger");

        Assert.Equal(1, created.Metadata.Generation);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }, merged.Data);
        Assert.Equal(created.Metadata.Uid, merged.Metadata.Uid);
        Assert.Equal([201, 200], _server.Requests.All.Where(r => r.Method == "PATCH" && r.Path.EndsWith($"/{_ns}/configmaps/applied", StringComparison.Ordinal)).Select(r => r.StatusCode));
    }

    [Fact]
    public async Task ApplyPatch_WithoutFieldManager_Throws422()
    {
        var client = _server.CreateClient();

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}""", V1Patch.PatchType.ApplyPatch), "x", _ns));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
    }
}
