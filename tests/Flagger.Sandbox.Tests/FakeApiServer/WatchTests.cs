using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Flagger.Sandbox.Kubernetes;
using Flagger.Testing.Kubernetes;
using k8s;
using k8s.Models;

namespace Flagger.Sandbox.Tests.FakeApiServer;

[Collection(FakeApiServerCollection.Name)]
public sealed class WatchTests(FakeApiServerFixture fixture)
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(10);
    private readonly FakeKubernetesApiServer _server = fixture.FreshServer();
    private readonly string _ns = fixture.NewNamespace();

    [Fact]
    public async Task Watch_WithoutResourceVersion_SendsTheCurrentObjectsAsAddedThenEveryChangeInOrder()
    {
        var settings = _server.Seed(Objects.ConfigMap(_ns, "settings"));
        using var client = _server.CreateClient();
        await using var watch = await Watch($"/api/v1/namespaces/{_ns}/configmaps?watch=true");
        var first = await watch.NextAsync();

        await client.CoreV1.CreateNamespacedConfigMapAsync(Objects.ConfigMap(_ns, "extra"), _ns);
        await client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"data":{"mode":"fast"}}""", V1Patch.PatchType.MergePatch), "settings", _ns);
        await client.CoreV1.DeleteNamespacedConfigMapAsync("extra", _ns);
        var events = new[] { await watch.NextAsync(), await watch.NextAsync(), await watch.NextAsync() };

        Assert.Equal(("ADDED", "settings", settings.Metadata.ResourceVersion), (first.Type, first.Name, first.ResourceVersion));
        Assert.Equal([("ADDED", "extra"), ("MODIFIED", "settings"), ("DELETED", "extra")], events.Select(e => (e.Type, e.Name)));
        Assert.Equal("fast", events[1].Object["data"]!["mode"]!.GetValue<string>());
        var versions = events.Select(e => long.Parse(e.ResourceVersion!)).ToList();
        Assert.Equal(versions.Order(), versions);
        Assert.True(versions[0] > long.Parse(first.ResourceVersion!));
        Assert.Equal(("ConfigMap", "v1"), (first.Object["kind"]!.GetValue<string>(), first.Object["apiVersion"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Watch_FromAResourceVersion_SendsOnlyTheChangesAfterIt()
    {
        var before = _server.Seed(Objects.ConfigMap(_ns, "settings"));
        using var client = _server.CreateClient();
        await client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"data":{"mode":"fast"}}""", V1Patch.PatchType.MergePatch), "settings", _ns);
        await client.CoreV1.CreateNamespacedConfigMapAsync(Objects.ConfigMap(_ns, "extra"), _ns);

        await using var watch = await Watch($"/api/v1/namespaces/{_ns}/configmaps?watch=true&resourceVersion={before.Metadata.ResourceVersion}");
        var events = new[] { await watch.NextAsync(), await watch.NextAsync() };

        Assert.Equal([("MODIFIED", "settings"), ("ADDED", "extra")], events.Select(e => (e.Type, e.Name)));
    }

    [Fact]
    public async Task Watch_FromAResourceVersionNoLongerKept_AnswersOneErrorEventWith410Expired()
    {
        _server.Seed(Objects.ConfigMap(_ns, "settings"));

        await using var watch = await Watch($"/api/v1/namespaces/{_ns}/configmaps?watch=true&resourceVersion=5");
        var error = await watch.NextAsync();

        Assert.Equal(200, watch.StatusCode);
        Assert.Equal("ERROR", error.Type);
        Assert.Equal(("Status", "Failure", "Expired", 410), (
            error.Object["kind"]!.GetValue<string>(), error.Object["status"]!.GetValue<string>(),
            error.Object["reason"]!.GetValue<string>(), error.Object["code"]!.GetValue<int>()));
        Assert.StartsWith("too old resource version: 5 (", error.Object["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(await watch.LineAsync());
    }

    [Fact]
    public async Task Watch_TimeoutSecondsWithBookmarks_EndsTheStreamAfterABookmarkAtTheCurrentVersion()
    {
        _server.Seed(Objects.ConfigMap(_ns, "settings"));
        var current = _server.Seed(Objects.ConfigMap(_ns, "latest")).Metadata.ResourceVersion;

        await using var watch = await Watch(
            $"/api/v1/namespaces/{_ns}/configmaps?watch=true&resourceVersion={current}&timeoutSeconds=1&allowWatchBookmarks=true");
        var bookmark = await watch.NextAsync();

        Assert.Equal("BOOKMARK", bookmark.Type);
        Assert.Equal("ConfigMap", bookmark.Object["kind"]!.GetValue<string>());
        Assert.True(long.Parse(bookmark.ResourceVersion!) >= long.Parse(current));
        Assert.Null(await watch.LineAsync());
    }

    [Fact]
    public async Task Watch_WithSelectors_AnObjectLeavingTheSelectionIsDeletedFromTheWatch_OthersAreNotSent()
    {
        using var client = _server.CreateClient();
        await client.CoreV1.CreateNamespacedConfigMapAsync(Objects.ConfigMap(_ns, "settings", new Dictionary<string, string> { ["app"] = "podinfo" }), _ns);
        await client.CoreV1.CreateNamespacedConfigMapAsync(Objects.ConfigMap(_ns, "other", new Dictionary<string, string> { ["app"] = "podinfo" }), _ns);
        await using var watch = await Watch(
            $"/api/v1/namespaces/{_ns}/configmaps?watch=true&labelSelector=app%3Dpodinfo&fieldSelector=metadata.name%3Dsettings");
        var added = await watch.NextAsync();

        await client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"data":{"x":"1"}}""", V1Patch.PatchType.MergePatch), "other", _ns);
        await client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"metadata":{"labels":{"app":"gone"}}}""", V1Patch.PatchType.MergePatch), "settings", _ns);
        var left = await watch.NextAsync();

        Assert.Equal(("ADDED", "settings"), (added.Type, added.Name));
        Assert.Equal(("DELETED", "settings"), (left.Type, left.Name));
    }

    [Fact]
    public async Task Watch_AllNamespaces_SeesChangesInEveryNamespace()
    {
        var other = fixture.NewNamespace();
        var rv = _server.Seed(Objects.ConfigMap(_ns, "settings")).Metadata.ResourceVersion;
        await using var watch = await Watch($"/api/v1/configmaps?watch=true&resourceVersion={rv}");

        _server.Seed(Objects.ConfigMap(other, "settings"));
        var added = await watch.NextAsync();

        Assert.Equal(("ADDED", other), (added.Type, added.Object["metadata"]!["namespace"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Watch_WithTableAccept_EachEventCarriesATableWithTheObjectsRow()
    {
        using var client = _server.CreateClient();
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(Objects.Canary(_ns, "podinfo"), "flagger.app", "v1beta1", _ns, "canaries");
        var rv = _server.Get("flagger.app/v1beta1", "Canary", _ns, "podinfo")!["metadata"]!["resourceVersion"]!.GetValue<string>();
        await using var watch = await Watch(
            $"/apis/flagger.app/v1beta1/namespaces/{_ns}/canaries?watch=true&resourceVersion={rv}",
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");

        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"phase":"Progressing","canaryWeight":30}}""", V1Patch.PatchType.MergePatch),
            "flagger.app", "v1beta1", _ns, "canaries", "podinfo");
        var modified = await watch.NextAsync();

        Assert.Equal("MODIFIED", modified.Type);
        Assert.Equal("Table", modified.Object["kind"]!.GetValue<string>());
        var cells = modified.Object["rows"]![0]!["cells"]!.AsArray();
        Assert.Equal(["podinfo", "Progressing", "30"], cells.Take(3).Select(c => c!.ToString()));
    }

    [Fact]
    public async Task Watch_OnlyAWatchIsOpen_TheDeploymentRolloutStillBecomesReady()
    {
        _server.Deployments.ReadyAfter = TimeSpan.FromMilliseconds(300);
        var seeded = _server.Seed(Objects.Deployment(_ns, "podinfo", replicas: 2));
        await using var watch = await Watch(
            $"/apis/apps/v1/namespaces/{_ns}/deployments?watch=true&resourceVersion={seeded.Metadata.ResourceVersion}");

        var ready = await watch.NextAsync();

        Assert.Equal("MODIFIED", ready.Type);
        Assert.Equal(2, ready.Object["status"]!["readyReplicas"]!.GetValue<int>());
    }

    [Fact]
    public async Task KubernetesClientWatch_SeesAConfigMapCreatedAfterItStarted()
    {
        var rv = _server.Seed(Objects.ConfigMap(_ns, "settings")).Metadata.ResourceVersion;
        using var client = _server.CreateClient();
        using var cancel = new CancellationTokenSource(s_patience);
        var seen = new List<(WatchEventType, string)>();

        var watching = Task.Run(async () =>
        {
            await foreach (var (type, item) in client.CoreV1.WatchListNamespacedConfigMapAsync(
                _ns, resourceVersion: rv, cancellationToken: cancel.Token))
            {
                seen.Add((type, item.Metadata.Name));
                return;
            }
        });
        await WaitUntilAsync(() => _server.Requests.All.Any(r => r.Query.Contains("watch=true", StringComparison.Ordinal)
            && r.Path == $"/api/v1/namespaces/{_ns}/configmaps"));
        await client.CoreV1.CreateNamespacedConfigMapAsync(Objects.ConfigMap(_ns, "extra"), _ns, cancellationToken: cancel.Token);
        await watching.WaitAsync(cancel.Token);

        Assert.Equal([(WatchEventType.Added, "extra")], seen);
    }

    [Fact]
    public async Task Watch_SendInitialEventsWithBookmarks_SendsTheObjectsThenAnInitialEventsEndBookmark()
    {
        var settings = _server.Seed(Objects.ConfigMap(_ns, "settings"));
        await using var watch = await Watch(
            $"/api/v1/namespaces/{_ns}/configmaps?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&resourceVersion={settings.Metadata.ResourceVersion}");

        var added = await watch.NextAsync();
        var end = await watch.NextAsync();

        Assert.Equal(("ADDED", "settings"), (added.Type, added.Name));
        Assert.Equal("BOOKMARK", end.Type);
        Assert.Equal("true", end.Object["metadata"]!["annotations"]!["k8s.io/initial-events-end"]!.GetValue<string>());
    }

    [Fact]
    public async Task Watch_DeletingAnObjectWithAFinalizer_IsModifiedWithDeletionTimestampThenDeletedWhenTheFinalizerGoes()
    {
        var kept = Objects.ConfigMap(_ns, "settings");
        kept.Metadata.Finalizers = ["example.com/keep"];
        var settings = _server.Seed(kept);
        using var client = _server.CreateClient();
        await using var watch = await Watch($"/api/v1/namespaces/{_ns}/configmaps?watch=true&resourceVersion={settings.Metadata.ResourceVersion}");

        await client.CoreV1.DeleteNamespacedConfigMapAsync("settings", _ns);
        var marked = await watch.NextAsync();
        await client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"metadata":{"finalizers":[]}}""", V1Patch.PatchType.MergePatch), "settings", _ns);
        var deleted = await watch.NextAsync();

        Assert.Equal("MODIFIED", marked.Type);
        Assert.NotNull(marked.Object["metadata"]!["deletionTimestamp"]);
        Assert.Equal("DELETED", deleted.Type);
        Assert.True(long.Parse(deleted.ResourceVersion!) > long.Parse(marked.ResourceVersion!));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(s_patience);
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    private async Task<OpenWatch> Watch(string pathAndQuery, string accept = "application/json")
    {
        var http = _server.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _server.Token);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return new OpenWatch(http, response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    private sealed record WatchEvent(string Type, JsonObject Object)
    {
        public string? Name => Object["metadata"]?["name"]?.GetValue<string>();

        public string? ResourceVersion => Object["metadata"]?["resourceVersion"]?.GetValue<string>();
    }

    private sealed class OpenWatch(HttpClient http, HttpResponseMessage response, StreamReader reader) : IAsyncDisposable
    {
        public int StatusCode => (int)response.StatusCode;

        /// <summary>The next line, or null when the server ended the stream; fails the test after 10 s.</summary>
        public async Task<string?> LineAsync() => await reader.ReadLineAsync().WaitAsync(s_patience);

        public async Task<WatchEvent> NextAsync()
        {
            var line = await LineAsync() ?? throw new InvalidOperationException("the watch ended");
            var node = JsonNode.Parse(line)!;
            return new WatchEvent(node["type"]!.GetValue<string>(), node["object"]!.AsObject());
        }

        public ValueTask DisposeAsync()
        {
            reader.Dispose();
            response.Dispose();
            http.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
