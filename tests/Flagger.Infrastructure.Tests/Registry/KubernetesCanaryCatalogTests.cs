using Flagger.Testing.Registry;
using Microsoft.Extensions.Logging.Abstractions;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Infrastructure.Registry;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Options;

namespace Flagger.Infrastructure.Tests.Registry;

/// <summary>
/// The catalog through the real KubernetesClient, answered at the HTTP boundary by an in-process stub handler
/// (the shared fake API server is not on this branch): which URLs it reads, with which selector, and the patch
/// it sends. What a real server does with the patch is the fake server's to show.
/// </summary>
public sealed class KubernetesCanaryCatalogTests
{
    private const string Image = "contosoacr.azurecr.io/podinfo:6.0.0";

    [Fact]
    public async Task ListAsync_NoWatchedNamespaces_ListsCanariesClusterWideWithTheLabelSelector()
    {
        var api = new StubApi();
        api.Canary("test", "podinfo", "podinfo", new Dictionary<string, string> { ["flagger-functions.io/image-policy"] = "semver:^6.0.0" });
        api.Deployment("test", "podinfo", "41", Image, lastPushAt: "2026-11-20T10:15:02.1170341+00:00");

        var targets = await Catalog(api, new RegistryOptions { LabelSelector = "delivery=ours" }).ListAsync(CancellationToken.None);

        Assert.Equal("/apis/flagger.app/v1beta1/canaries?labelSelector=delivery%3Dours&watch=false", api.Requests[0].PathAndQuery);
        var target = Assert.Single(targets);
        Assert.Equal(("test", "podinfo", "podinfo", "41"), (target.Namespace, target.Name, target.Deployment, target.ResourceVersion));
        Assert.Equal([new TargetContainer("podinfo", Image), new TargetContainer("sidecar", "docker.io/library/envoy:1.30")], target.Containers);
        Assert.Equal("semver:^6.0.0", target.Annotations["flagger-functions.io/image-policy"]);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 10, 15, 2, 117, TimeSpan.Zero).AddTicks(341), target.LastPushAt);
    }

    [Fact]
    public async Task ListAsync_ManyCanaries_ReadsTheirDeploymentsWithOneListPerNamespace()
    {
        var api = new StubApi();
        for (var i = 0; i < 20; i++)
        {
            api.Canary(i % 2 == 0 ? "a" : "b", $"c{i}", $"app{i}");
            api.Deployment(i % 2 == 0 ? "a" : "b", $"app{i}", $"{i}", Image);
        }

        var targets = await Catalog(api).ListAsync(CancellationToken.None);

        Assert.Equal(20, targets.Count);
        Assert.All(targets, t => Assert.Equal(t.Name.Replace("c", "", StringComparison.Ordinal), t.ResourceVersion));
        Assert.Equal(
            ["/apis/flagger.app/v1beta1/canaries", "/apis/apps/v1/namespaces/a/deployments", "/apis/apps/v1/namespaces/b/deployments"],
            api.Requests.Select(r => r.PathAndQuery.Split('?')[0]));
    }

    [Fact]
    public async Task ListAsync_WatchedNamespaces_ListsEachNamespaceOnly()
    {
        var api = new StubApi();
        api.Canary("prod", "podinfo", "podinfo");
        api.Deployment("prod", "podinfo", "7", Image);

        var targets = await Catalog(api, new RegistryOptions { WatchNamespaces = "test, prod" }).ListAsync(CancellationToken.None);

        Assert.Equal(
            ["/apis/flagger.app/v1beta1/namespaces/prod/canaries?watch=false", "/apis/flagger.app/v1beta1/namespaces/test/canaries?watch=false"],
            api.Requests.Where(r => r.PathAndQuery.Contains("canaries", StringComparison.Ordinal)).Select(r => r.PathAndQuery));
        Assert.Equal("prod", Assert.Single(targets).Namespace);
    }

    [Fact]
    public async Task ListAsync_TargetMissing_IsListedBlockedWithoutContainers_NotADeploymentIsLeftOut()
    {
        var api = new StubApi();
        api.Canary("test", "missing", "gone");
        api.Canary("test", "daemon", "podinfo", kind: "DaemonSet");

        var targets = await Catalog(api).ListAsync(CancellationToken.None);

        var missing = Assert.Single(targets);
        Assert.Equal(("missing", "deployment gone.test not found"), (missing.Name, missing.Blocked));
        Assert.Empty(missing.Containers);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData(CanaryPhase.Initializing, true)]
    [InlineData(CanaryPhase.Initialized, false)]
    [InlineData(CanaryPhase.Progressing, false)]
    public async Task ListAsync_ValidCanary_IsBlockedUntilInitialised(CanaryPhase? phase, bool blocked)
    {
        var api = new StubApi();
        api.Canary(Flagger.Testing.Canaries.Podinfo.Canary().WithStatus(phase is null ? null : new CanaryStatus { Phase = phase }).Build());
        api.Deployment("test", "podinfo", "41", Image);

        var target = Assert.Single(await Catalog(api).ListAsync(CancellationToken.None));

        Assert.Equal(blocked, target.Blocked is not null);
        Assert.True(!blocked || target.Blocked!.Contains("not initialised", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ListAsync_CanaryBeingDeleted_IsBlocked()
    {
        var api = new StubApi();
        api.Canary(Flagger.Testing.Canaries.Podinfo.Canary().WithStatus(new CanaryStatus { Phase = CanaryPhase.Succeeded })
            .With(c => (c.Metadata.Finalizers, c.Metadata.DeletionTimestamp) = ([CanaryFinalizer.Name], DateTime.UtcNow)).Build());
        api.Deployment("test", "podinfo", "41", Image);

        var target = Assert.Single(await Catalog(api).ListAsync(CancellationToken.None));

        Assert.Equal("the Canary is being deleted; the push was not deployed", target.Blocked);
    }

    [Fact]
    public async Task SetImageAsync_Target_SendsAStrategicMergePatchOfThatContainerAtTheReadVersion()
    {
        var api = new StubApi();
        api.Deployment("test", "podinfo", "41", Image);
        api.Deployment("test", "podinfo-primary", "7", Image);
        var target = Target("41");
        var pushedAt = new DateTimeOffset(2026, 11, 20, 10, 15, 2, TimeSpan.Zero);

        var outcome = await Catalog(api).SetImageAsync(target, "podinfo", "contosoacr.azurecr.io/podinfo:6.0.1@sha256:abc", pushedAt, CancellationToken.None);

        Assert.Equal(ImagePatchOutcome.Patched, outcome);
        var patch = Assert.Single(api.Requests, r => r.Method == HttpMethod.Patch);
        Assert.Equal("/apis/apps/v1/namespaces/test/deployments/podinfo", patch.PathAndQuery);
        Assert.StartsWith("application/strategic-merge-patch+json", patch.ContentType, StringComparison.Ordinal);
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse(TargetImagePatch.Build("podinfo", "contosoacr.azurecr.io/podinfo:6.0.1@sha256:abc", "41", pushedAt)),
            JsonNode.Parse(patch.Body!)));
    }

    [Theory]
    [InlineData(HttpStatusCode.Conflict, ImagePatchOutcome.Conflict)]
    [InlineData(HttpStatusCode.NotFound, ImagePatchOutcome.NotFound)]
    public async Task SetImageAsync_ApiServerRefuses_ReturnsTypedOutcome(HttpStatusCode status, ImagePatchOutcome expected)
    {
        var api = new StubApi { PatchStatus = status };
        api.Deployment("test", "podinfo-primary", "7", Image);

        var outcome = await Catalog(api).SetImageAsync(Target("41"), "podinfo", Image, DateTimeOffset.UnixEpoch, CancellationToken.None);

        Assert.Equal(expected, outcome);
    }

    [Fact]
    public async Task SetImageAsync_ApiServerUnavailable_ThrowsATransientFailure()
    {
        var api = new StubApi { PatchStatus = HttpStatusCode.ServiceUnavailable };
        api.Deployment("test", "podinfo-primary", "7", Image);

        var e = await Assert.ThrowsAsync<HttpOperationException>(
            () => Catalog(api).SetImageAsync(Target("41"), "podinfo", Image, DateTimeOffset.UnixEpoch, CancellationToken.None));

        Assert.True(TransientFailures.IsTransient(e, CancellationToken.None));
    }

    [Fact]
    public async Task SetImageAsync_PrimaryDeploymentMissing_IsUninitialisedAndPatchesNothing()
    {
        // The Canary's phase may say initialised while its primary was deleted since: a push must not reach the target.
        var api = new StubApi();
        api.Deployment("test", "podinfo", "41", Image);

        var outcome = await Catalog(api).SetImageAsync(Target("41"), "podinfo", "contosoacr.azurecr.io/podinfo:6.0.1", DateTimeOffset.UnixEpoch, CancellationToken.None);

        Assert.Equal(ImagePatchOutcome.Uninitialised, outcome);
        Assert.DoesNotContain(api.Requests, r => r.Method == HttpMethod.Patch);
        Assert.Contains(api.Requests, r => r.Method == HttpMethod.Get && r.PathAndQuery.StartsWith("/apis/apps/v1/namespaces/test/deployments/podinfo-primary", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SetImageAsync_UnknownResourceVersion_IsAConflictWithoutARequest()
    {
        var api = new StubApi();

        var outcome = await Catalog(api).SetImageAsync(Target(null), "podinfo", Image, DateTimeOffset.UnixEpoch, CancellationToken.None);

        Assert.Equal(ImagePatchOutcome.Conflict, outcome);
        Assert.Empty(api.Requests);
    }

    private static CanaryTarget Target(string? resourceVersion) =>
        new("test", "podinfo", new Dictionary<string, string>(), "podinfo", resourceVersion, [new TargetContainer("podinfo", Image)], null);

    private static KubernetesCanaryCatalog Catalog(StubApi api, RegistryOptions? options = null) =>
        new(new k8s.Kubernetes(new KubernetesClientConfiguration { Host = "http://kubernetes.invalid" }, api), Options.Create(options ?? new RegistryOptions()), new RecordingEventRecorder(), NullLogger<KubernetesCanaryCatalog>.Instance);

    /// <summary>Answers KubernetesClient in process, like an API server that holds the given objects.</summary>
    private sealed class StubApi : DelegatingHandler
    {
        private readonly List<JsonObject> _canaries = [];
        private readonly Dictionary<string, JsonObject> _deployments = [];

        public List<Recorded> Requests { get; } = [];

        public HttpStatusCode PatchStatus { get; set; } = HttpStatusCode.OK;

        public void Canary(string ns, string name, string target, IReadOnlyDictionary<string, string>? annotations = null, string kind = "Deployment")
        {
            var metadata = new JsonObject { ["name"] = name, ["namespace"] = ns };
            if (annotations is not null)
            {
                metadata["annotations"] = new JsonObject(annotations.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)JsonValue.Create(a.Value))));
            }

            _canaries.Add(new JsonObject
            {
                ["apiVersion"] = "flagger.app/v1beta1",
                ["kind"] = "Canary",
                ["metadata"] = metadata,
                ["spec"] = new JsonObject { ["targetRef"] = new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = kind, ["name"] = target } },
            });
        }

        public void Canary(Canary canary) => _canaries.Add(JsonNode.Parse(KubernetesJson.Serialize(canary))!.AsObject());

        public void Deployment(string ns, string name, string resourceVersion, string image, string? lastPushAt = null)
        {
            var metadata = new JsonObject { ["name"] = name, ["namespace"] = ns, ["resourceVersion"] = resourceVersion };
            if (lastPushAt is not null)
            {
                metadata["annotations"] = new JsonObject { [TargetImagePatch.LastPushAnnotation] = lastPushAt };
            }

            _deployments[$"/apis/apps/v1/namespaces/{ns}/deployments/{name}"] = new JsonObject
            {
                ["apiVersion"] = "apps/v1",
                ["kind"] = "Deployment",
                ["metadata"] = metadata,
                ["spec"] = new JsonObject
                {
                    ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
                    ["template"] = new JsonObject
                    {
                        ["spec"] = new JsonObject
                        {
                            ["containers"] = new JsonArray(
                                new JsonObject { ["name"] = "podinfo", ["image"] = image },
                                new JsonObject { ["name"] = "sidecar", ["image"] = "docker.io/library/envoy:1.30" }),
                        },
                    },
                },
            };
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await AnswerAsync(request, cancellationToken);
            response.RequestMessage = request;
            return response;
        }

        private async Task<HttpResponseMessage> AnswerAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            var pathAndQuery = request.RequestUri!.PathAndQuery;
            Requests.Add(new Recorded(request.Method, pathAndQuery, request.Content?.Headers.ContentType?.ToString(), body));
            var path = request.RequestUri.AbsolutePath;

            if (request.Method == HttpMethod.Patch)
            {
                return PatchStatus == HttpStatusCode.OK && _deployments.TryGetValue(path, out var patched)
                    ? Json(HttpStatusCode.OK, patched)
                    : Status(PatchStatus == HttpStatusCode.OK ? HttpStatusCode.NotFound : PatchStatus);
            }

            if (path.EndsWith("/canaries", StringComparison.Ordinal))
            {
                var ns = path.Contains("/namespaces/", StringComparison.Ordinal) ? path.Split('/')[5] : null;
                var items = new JsonArray(_canaries.Where(c => ns is null || c["metadata"]!["namespace"]!.GetValue<string>() == ns).Select(c => (JsonNode)c.DeepClone()).ToArray());
                return Json(HttpStatusCode.OK, new JsonObject { ["apiVersion"] = "flagger.app/v1beta1", ["kind"] = "CanaryList", ["metadata"] = new JsonObject(), ["items"] = items });
            }

            if (path.EndsWith("/deployments", StringComparison.Ordinal))
            {
                var items = new JsonArray(_deployments.Where(d => d.Key.StartsWith(path + "/", StringComparison.Ordinal)).Select(d => (JsonNode)d.Value.DeepClone()).ToArray());
                return Json(HttpStatusCode.OK, new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "DeploymentList", ["metadata"] = new JsonObject(), ["items"] = items });
            }

            return _deployments.TryGetValue(path, out var deployment) ? Json(HttpStatusCode.OK, deployment) : Status(HttpStatusCode.NotFound);
        }

        private static HttpResponseMessage Json(HttpStatusCode status, JsonNode body) =>
            new(status) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };

        private static HttpResponseMessage Status(HttpStatusCode status) => Json(status, new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["status"] = "Failure",
            ["reason"] = status.ToString(),
            ["code"] = (int)status,
        });
    }

    private sealed record Recorded(HttpMethod Method, string PathAndQuery, string? ContentType, string? Body);
}
