using Flagger.Testing.Kubernetes;
using System.Net;
using Flagger.Sandbox.Kubernetes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Flagger.Sandbox.Tests.FakeApiServer;

[Collection(FakeApiServerCollection.Name)]
public sealed class FaultInjectionTests(FakeApiServerFixture fixture)
{
    private readonly FakeKubernetesApiServer _server = fixture.FreshServer();
    private readonly string _ns = fixture.NewNamespace();

    [Fact]
    public async Task Fail500Twice_ThenRecovers()
    {
        var client = _server.CreateClient();
        _server.Seed(Objects.ConfigMap(_ns, "settings"));
        var rule = _server.Faults.Fail(500, "GET", $"/api/v1/namespaces/{_ns}/configmaps", times: 2);

        var first = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespacedConfigMapAsync("settings", _ns));
        var second = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespacedConfigMapAsync("settings", _ns));
        var third = await client.CoreV1.ReadNamespacedConfigMapAsync("settings", _ns);

        Assert.Equal(HttpStatusCode.InternalServerError, first.Response.StatusCode);
        Assert.Equal(("InternalError", 500), (KubernetesJson.Deserialize<V1Status>(second.Response.Content).Reason, KubernetesJson.Deserialize<V1Status>(second.Response.Content).Code));
        Assert.Equal("value", third.Data["key"]);
        Assert.Equal((2, 0), (rule.Hits, rule.Remaining));
    }

    [Fact]
    public async Task Fail409OnPatchOnly_ReadsUnaffectedAndWriteRecovers()
    {
        var client = _server.CreateClient();
        _server.Seed(Objects.ConfigMap(_ns, "settings"));
        _server.Faults.Fail(409, "PATCH", $"/api/v1/namespaces/{_ns}/configmaps/settings");
        var patch = new V1Patch("""{"data":{"key":"new"}}""", V1Patch.PatchType.MergePatch);

        var conflict = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.PatchNamespacedConfigMapAsync(patch, "settings", _ns));
        var read = await client.CoreV1.ReadNamespacedConfigMapAsync("settings", _ns);
        var retried = await client.CoreV1.PatchNamespacedConfigMapAsync(patch, "settings", _ns);

        Assert.Equal(HttpStatusCode.Conflict, conflict.Response.StatusCode);
        Assert.Equal("Conflict", KubernetesJson.Deserialize<V1Status>(conflict.Response.Content).Reason);
        Assert.Equal("value", read.Data["key"]);
        Assert.Equal("new", retried.Data["key"]);
        Assert.Equal(0, _server.Faults.Pending);
    }

    [Fact]
    public async Task Hang_LongerThanClientTimeout_ClientTimesOutThenRecovers()
    {
        var client = _server.CreateClient(timeout: TimeSpan.FromMilliseconds(300));
        _server.Seed(Objects.ConfigMap(_ns, "settings"));
        _server.Faults.Hang(TimeSpan.FromSeconds(30), "GET", $"/api/v1/namespaces/{_ns}/configmaps/settings");

        var started = DateTime.UtcNow;
        var error = await Record.ExceptionAsync(() => client.CoreV1.ReadNamespacedConfigMapAsync("settings", _ns));
        var waited = DateTime.UtcNow - started;
        var read = await client.CoreV1.ReadNamespacedConfigMapAsync("settings", _ns);

        Assert.True(error is TaskCanceledException or TimeoutException or OperationCanceledException, $"unexpected {error}");
        Assert.InRange(waited, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));
        Assert.Equal("value", read.Data["key"]);
    }

    [Fact]
    public async Task RequestLog_AfterClear_CountsEachCallWithMethodPathAndContentType()
    {
        var client = _server.CreateClient();
        _server.Seed(Objects.ConfigMap(_ns, "settings"));
        _server.Requests.Clear();

        await client.CoreV1.ReadNamespacedConfigMapAsync("settings", _ns);
        await client.CoreV1.ListNamespacedConfigMapAsync(_ns);
        await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"k":"v"}}""", V1Patch.PatchType.MergePatch), "settings", _ns);

        var requests = _server.Requests.All;
        Assert.Equal(3, _server.Requests.Count);
        Assert.Equal(2, _server.Requests.CountWhere(r => r.IsRead));
        Assert.Equal(
            [$"GET /api/v1/namespaces/{_ns}/configmaps/settings -> 200", $"GET /api/v1/namespaces/{_ns}/configmaps?watch=false -> 200", $"PATCH /api/v1/namespaces/{_ns}/configmaps/settings -> 200"],
            requests.Select(r => r.ToString()));
        Assert.Equal("application/merge-patch+json; charset=utf-8", requests[2].ContentType);
        Assert.Contains("\"k\"", requests[2].Body, StringComparison.Ordinal);
    }
}
