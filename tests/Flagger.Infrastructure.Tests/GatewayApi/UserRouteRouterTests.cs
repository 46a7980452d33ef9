using System.Text.Json.Nodes;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Infrastructure.GatewayApi;
using Flagger.Infrastructure.Tests.Support;
using Flagger.Sandbox.Kubernetes;
using Flagger.Testing.Kubernetes;
using k8s;
using k8s.Models;

namespace Flagger.Infrastructure.Tests.GatewayApi;

/// <summary>
/// A Canary attached to a route the user owns (<c>spec.routeRef</c>), over HTTP with the real KubernetesClient
/// against the fake API server: only the backendRefs to the apex Service change, and what the user wrote
/// comes back exactly once traffic is all on the primary again.
/// </summary>
[Collection(FakeApiServerCollection.Name)]
public sealed class UserRouteRouterTests(FakeApiServerFixture fixture)
{
    private const string HttpRoute = "gateway.networking.k8s.io/v1";

    private readonly FakeKubernetesApiServer _server = fixture.FreshServer();
    private readonly string _ns = fixture.NewNamespace();

    private GatewayApiRouter Router() => new(_server.CreateClient(TimeSpan.FromSeconds(5)));

    private Canary Podinfo(Action<Canary>? change = null, string kind = "HTTPRoute")
    {
        var canary = new Canary
        {
            Metadata = new V1ObjectMeta { Name = "podinfo", NamespaceProperty = _ns, Uid = "uid-1", Generation = 1 },
            Spec = new CanarySpec
            {
                Provider = "gatewayapi:v1",
                TargetRef = new LocalObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "podinfo" },
                RouteRef = new LocalObjectReference { ApiVersion = HttpRoute, Kind = kind, Name = "shop" },
                Service = new CanaryService { Port = 9898 },
                Analysis = new CanaryAnalysis { Interval = "1m", Threshold = 5, StepWeight = 10, MaxWeight = 50 },
            },
        };
        change?.Invoke(canary);
        return canary;
    }

    /// <summary>
    /// A route as a user writes it: a rule for another Service, a rule to the apex Service with its own
    /// matches, filters, timeouts, name and a backend filter, and a catch-all splitting between the apex
    /// Service and a legacy one, with a field our typed model does not know.
    /// </summary>
    private JsonObject UserHttpRoute() => JsonNode.Parse($$"""
        {
          "apiVersion": "gateway.networking.k8s.io/v1",
          "kind": "HTTPRoute",
          "metadata": {
            "name": "shop", "namespace": "{{_ns}}",
            "labels": { "team": "web" },
            "annotations": { "owner": "alice" }
          },
          "spec": {
            "parentRefs": [ { "group": "gateway.networking.k8s.io", "kind": "Gateway", "namespace": "gateway-system", "name": "public", "sectionName": "https" } ],
            "hostnames": [ "shop.example.com" ],
            "rules": [
              {
                "matches": [ { "path": { "type": "PathPrefix", "value": "/static" } } ],
                "backendRefs": [ { "name": "cdn", "port": 80 } ]
              },
              {
                "name": "api",
                "matches": [ { "path": { "type": "PathPrefix", "value": "/api" }, "headers": [ { "name": "x-tenant", "value": "acme" } ] } ],
                "filters": [ { "type": "RequestHeaderModifier", "requestHeaderModifier": { "set": [ { "name": "x-via", "value": "gateway" } ] } } ],
                "timeouts": { "request": "10s", "backendRequest": "5s" },
                "backendRefs": [
                  { "name": "podinfo", "port": 9898, "filters": [ { "type": "ResponseHeaderModifier", "responseHeaderModifier": { "add": [ { "name": "x-served-by", "value": "podinfo" } ] } } ] }
                ]
              },
              {
                "matches": [ { "path": { "type": "PathPrefix", "value": "/" } } ],
                "sessionPersistence": { "sessionName": "shop", "type": "Cookie" },
                "backendRefs": [
                  { "group": "", "kind": "Service", "name": "podinfo", "port": 9898, "weight": 100 },
                  { "name": "legacy", "port": 8080, "weight": 1 }
                ]
              }
            ]
          }
        }
        """)!.AsObject();

    private JsonObject UserGrpcRoute() => JsonNode.Parse($$"""
        {
          "apiVersion": "gateway.networking.k8s.io/v1",
          "kind": "GRPCRoute",
          "metadata": { "name": "shop", "namespace": "{{_ns}}", "labels": { "team": "rpc" } },
          "spec": {
            "parentRefs": [ { "name": "public", "namespace": "gateway-system" } ],
            "hostnames": [ "grpc.example.com" ],
            "rules": [
              {
                "matches": [ { "method": { "type": "Exact", "service": "podinfo.Echo", "method": "Say" }, "headers": [ { "name": "x-tenant", "value": "acme" } ] } ],
                "filters": [ { "type": "RequestHeaderModifier", "requestHeaderModifier": { "add": [ { "name": "x-via", "value": "gateway" } ] } } ],
                "backendRefs": [ { "name": "podinfo", "port": 9898 } ]
              },
              { "backendRefs": [ { "name": "fallback", "port": 9000 } ] }
            ]
          }
        }
        """)!.AsObject();

    private JsonObject Live(string kind = "HTTPRoute") => _server.Get(HttpRoute, kind, _ns, "shop")!;

    private static JsonArray Rules(JsonObject route) => route["spec"]!["rules"]!.AsArray();

    private static string? Annotation(JsonObject route) => (string?)route["metadata"]?["annotations"]?[UserRouteSpec.OriginalBackendsAnnotation];

    /// <summary>The user's spec with every backendRef to the apex Service replaced by our two Services at these weights.</summary>
    private static JsonNode Attached(JsonObject userRoute, int primary, int canary)
    {
        var spec = userRoute["spec"]!.DeepClone();
        foreach (var rule in spec["rules"]!.AsArray())
        {
            var backends = new JsonArray();
            foreach (var backend in rule!["backendRefs"]!.AsArray())
            {
                if ((string?)backend!["name"] != "podinfo")
                {
                    backends.Add(backend.DeepClone());
                    continue;
                }

                var p = backend.DeepClone().AsObject();
                p["name"] = "podinfo-primary";
                p["weight"] = primary;
                var c = backend.DeepClone().AsObject();
                c["name"] = "podinfo-canary";
                c["weight"] = canary;
                backends.Add(p);
                backends.Add(c);
            }

            rule["backendRefs"] = backends;
        }

        return spec;
    }

    [Fact]
    public async Task SetRoutes_UserHttpRoute_ReplacesOnlyTheApexBackendRefsWithTheWeightedPair()
    {
        var user = _server.Seed(UserHttpRoute());
        var canary = Podinfo();

        await Router().SetRoutesAsync(canary, new SetRoutes(90, 10), null, CancellationToken.None);

        var live = Live();
        Assert.True(JsonNode.DeepEquals(Attached(user, 90, 10), live["spec"]), live["spec"]!.ToJsonString());
        Assert.Equal("web", (string?)live["metadata"]!["labels"]!["team"]);
        Assert.Equal("alice", (string?)live["metadata"]!["annotations"]!["owner"]);
        Assert.Null(live["metadata"]!["ownerReferences"]);
        Assert.Equal(
            """[{"backendRefs":[{"name":"podinfo","port":9898,"filters":[{"type":"ResponseHeaderModifier","responseHeaderModifier":{"add":[{"name":"x-served-by","value":"podinfo"}]}}]}]},{"backendRefs":[{"group":"","kind":"Service","name":"podinfo","port":9898,"weight":100}]}]""",
            Annotation(live));
    }

    [Fact]
    public async Task SyncAsync_AttachedRoute_ReadsTheSplitWithoutWritingOnceTheGatewayAcceptedIt()
    {
        _server.Seed(UserHttpRoute());
        var canary = Podinfo();
        var router = Router();
        await router.SetRoutesAsync(canary, new SetRoutes(70, 30), null, CancellationToken.None);
        int Writes() => _server.Requests.CountWhere(r => r.IsWrite && r.Path.EndsWith($"/namespaces/{_ns}/httproutes/shop", StringComparison.Ordinal));
        var writes = Writes();

        var observation = await router.SyncAsync(canary, CancellationToken.None);

        Assert.Equal((true, 70, 30, false), (observation.IsReady, observation.PrimaryWeight, observation.CanaryWeight, observation.Mirrored));
        Assert.Equal(writes, Writes());
        Assert.Equal((string?)Live()["metadata"]!["resourceVersion"], observation.Version);
    }

    [Fact]
    public async Task SyncAsync_UserRouteAsWritten_IsLeftAloneAndReadsAllOnThePrimary()
    {
        var user = _server.Seed(UserHttpRoute());

        var observation = await Router().SyncAsync(Podinfo(), CancellationToken.None);

        Assert.Equal((true, 100, 0), (observation.IsReady, observation.PrimaryWeight, observation.CanaryWeight));
        Assert.Equal(0, _server.Requests.CountWhere(r => r.IsWrite && r.Path.Contains($"/namespaces/{_ns}/", StringComparison.Ordinal)));
        Assert.True(JsonNode.DeepEquals(user["spec"], Live()["spec"]));
    }

    [Fact]
    public async Task SyncAsync_GatewayHasNotAcceptedTheChange_IsNotReady()
    {
        _server.Seed(UserHttpRoute());
        var canary = Podinfo();
        var router = Router();
        Assert.NotNull(Live()["status"]);
        _server.Gateway.Automatic = false;
        await router.SetRoutesAsync(canary, new SetRoutes(90, 10), null, CancellationToken.None);

        var observation = await router.SyncAsync(canary, CancellationToken.None);

        Assert.False(observation.IsReady);
        Assert.StartsWith($"HTTPRoute shop.{_ns} parent gateway-system/public is not ready", observation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SyncAsync_RouteMissing_IsNotReadyAndCreatesNothing()
    {
        var observation = await Router().SyncAsync(Podinfo(), CancellationToken.None);

        Assert.Equal($"HTTPRoute shop.{_ns} (spec.routeRef) not found", observation.Message);
        Assert.Null(_server.Get(HttpRoute, "HTTPRoute", _ns, "shop"));
        Assert.Null(_server.Get(HttpRoute, "HTTPRoute", _ns, "podinfo"));
    }

    [Fact]
    public async Task SyncAsync_RouteWithoutTheApexService_IsNotReady()
    {
        var route = UserHttpRoute();
        route["spec"]!["rules"] = new JsonArray(Rules(route)[0]!.DeepClone());
        _server.Seed(route);

        var observation = await Router().SyncAsync(Podinfo(), CancellationToken.None);

        Assert.Equal($"HTTPRoute shop.{_ns} (spec.routeRef) has no backendRef to Service podinfo", observation.Message);
    }

    [Fact]
    public async Task SetRoutes_BackToThePrimaryAfterPromotion_GivesBackTheUsersRouteExactly()
    {
        var user = _server.Seed(UserHttpRoute());
        var canary = Podinfo();
        var router = Router();
        foreach (var (primary, weight) in new[] { (90, 10), (50, 50), (0, 100), (100, 0) })
        {
            await router.SetRoutesAsync(canary, new SetRoutes(primary, weight), null, CancellationToken.None);
        }

        var live = Live();
        Assert.True(JsonNode.DeepEquals(user["spec"], live["spec"]), live["spec"]!.ToJsonString());
        Assert.True(JsonNode.DeepEquals(user["metadata"]!["annotations"], live["metadata"]!["annotations"]), live["metadata"]!.ToJsonString());
        Assert.True(JsonNode.DeepEquals(user["metadata"]!["labels"], live["metadata"]!["labels"]));
    }

    [Fact]
    public async Task SetRoutes_MirroredBlueGreenThenRollback_AddsTheMirrorToOurRulesOnlyAndRemovesIt()
    {
        var user = _server.Seed(UserHttpRoute());
        var canary = Podinfo(c => (c.Spec.Analysis!.Iterations, c.Spec.Analysis.Mirror, c.Spec.Analysis.StepWeight) = (5, true, null));
        var router = Router();

        await router.SetRoutesAsync(canary, new SetRoutes(100, 0, Mirrored: true), null, CancellationToken.None);

        var rules = Rules(Live());
        Assert.Null(rules[0]!["filters"]);
        Assert.Equal(
            """[{"type":"RequestHeaderModifier","requestHeaderModifier":{"set":[{"name":"x-via","value":"gateway"}]}},{"type":"RequestMirror","requestMirror":{"backendRef":{"group":"","kind":"Service","name":"podinfo-canary","port":9898}}}]""",
            rules[1]!["filters"]!.ToJsonString());
        Assert.Equal("""[{"type":"RequestMirror","requestMirror":{"backendRef":{"group":"","kind":"Service","name":"podinfo-canary","port":9898}}}]""", rules[2]!["filters"]!.ToJsonString());
        Assert.Equal((true, 100, 0, true), await ReadAsync(router, canary));

        await router.SetRoutesAsync(canary, new SetRoutes(100, 0), null, CancellationToken.None);

        Assert.True(JsonNode.DeepEquals(user["spec"], Live()["spec"]), Live()["spec"]!.ToJsonString());
        Assert.Null(Annotation(Live()));
    }

    [Fact]
    public async Task SetRoutes_ABTesting_AddsOurRulesInFrontWithTheMatchesCombinedAndRemovesThemAfter()
    {
        var user = _server.Seed(UserHttpRoute());
        var canary = ABTesting();
        var router = Router();

        await router.SetRoutesAsync(canary, new SetRoutes(0, 100), null, CancellationToken.None);

        var rules = Rules(Live());
        Assert.Equal(5, rules.Count);
        Assert.Equal(
            """[{"path":{"type":"PathPrefix","value":"/api"},"headers":[{"name":"x-canary","type":"Exact","value":"insider"},{"name":"x-tenant","value":"acme"}]}]""",
            rules[0]!["matches"]!.ToJsonString());
        Assert.Equal("api", (string?)rules[0]!["name"]);
        Assert.Equal("""{"request":"10s","backendRequest":"5s"}""", rules[0]!["timeouts"]!.ToJsonString());
        Assert.Equal(
            """[{"path":{"type":"PathPrefix","value":"/"},"headers":[{"name":"x-canary","type":"Exact","value":"insider"}]}]""",
            rules[1]!["matches"]!.ToJsonString());
        Assert.Equal(
            """[{"group":"","kind":"Service","name":"podinfo-primary","port":9898,"weight":0},{"group":"","kind":"Service","name":"podinfo-canary","port":9898,"weight":100},{"name":"legacy","port":8080,"weight":1}]""",
            rules[1]!["backendRefs"]!.ToJsonString());
        Assert.True(JsonNode.DeepEquals(user["spec"]!["rules"], new JsonArray([.. rules.Skip(2).Select(r => r!.DeepClone())])));
        Assert.Equal((true, 0, 100, false), await ReadAsync(router, canary));

        await router.SetRoutesAsync(canary, new SetRoutes(100, 0), null, CancellationToken.None);

        Assert.True(JsonNode.DeepEquals(user["spec"], Live()["spec"]), Live()["spec"]!.ToJsonString());
        Assert.Null(Annotation(Live()));
    }

    [Fact]
    public async Task SetRoutes_ConflictWithAUsersWrite_RedoesTheEditOnTopOfIt()
    {
        _server.Seed(UserHttpRoute());
        var canary = Podinfo();
        var router = Router();
        await router.SetRoutesAsync(canary, new SetRoutes(90, 10), null, CancellationToken.None);
        var usersWrite = 0;

        // The user's write lands between our read and our replace: the replace carries a stale resourceVersion.
        _server.Faults.Add(new FaultRule(
            (method, path) =>
            {
                if (method == "PUT" && path.EndsWith("/httproutes/shop", StringComparison.Ordinal) && Interlocked.Increment(ref usersWrite) == 1)
                {
                    var edited = Live();
                    edited["spec"]!["hostnames"]!.AsArray().Add("www.shop.example.com");
                    edited["metadata"]!["labels"]!["tier"] = "frontend";
                    _server.Seed(edited);
                }

                return false;
            },
            StatusCode: 0,
            Times: 1,
            Hang: null));

        await router.SetRoutesAsync(canary, new SetRoutes(80, 20), null, CancellationToken.None);

        var live = Live();
        Assert.Equal(1, _server.Requests.CountWhere(r => r is { Method: "PUT", StatusCode: 409 } && r.Path.EndsWith("/httproutes/shop", StringComparison.Ordinal)));
        Assert.Equal("""["shop.example.com","www.shop.example.com"]""", live["spec"]!["hostnames"]!.ToJsonString());
        Assert.Equal("frontend", (string?)live["metadata"]!["labels"]!["tier"]);
        Assert.Equal((true, 80, 20, false), await ReadAsync(router, canary));
    }

    [Fact]
    public async Task SyncAndSetRoutes_UserEditsBetweenTicks_AreKeptAndRestoredWithTheRest()
    {
        _server.Seed(UserHttpRoute());
        var canary = Podinfo();
        var router = Router();
        await router.SetRoutesAsync(canary, new SetRoutes(90, 10), null, CancellationToken.None);

        // The user edits the route mid-rollout: a new first rule, another timeout on an attached rule, a new label.
        var edited = Live();
        Rules(edited).Insert(0, JsonNode.Parse("""{"matches":[{"path":{"type":"Exact","value":"/healthz"}}],"backendRefs":[{"name":"health","port":8081}]}"""));
        Rules(edited)[2]!["timeouts"]!["request"] = "20s";
        edited["metadata"]!["labels"]!["tier"] = "frontend";
        edited.Remove("status");
        await _server.CreateClient().CustomObjects.ReplaceNamespacedCustomObjectAsync(
            edited, "gateway.networking.k8s.io", "v1", _ns, "httproutes", "shop");

        Assert.Equal((true, 90, 10, false), await ReadAsync(router, canary));
        await router.SetRoutesAsync(canary, new SetRoutes(80, 20), null, CancellationToken.None);
        Assert.Equal("20s", (string?)Rules(Live())[2]!["timeouts"]!["request"]);
        Assert.Equal("podinfo-primary", (string?)Rules(Live())[2]!["backendRefs"]![0]!["name"]);
        await router.SetRoutesAsync(canary, new SetRoutes(100, 0), null, CancellationToken.None);

        var expected = UserHttpRoute()["spec"]!.AsObject();
        expected["rules"]!.AsArray().Insert(0, JsonNode.Parse("""{"matches":[{"path":{"type":"Exact","value":"/healthz"}}],"backendRefs":[{"name":"health","port":8081}]}"""));
        expected["rules"]![2]!["timeouts"]!["request"] = "20s";
        Assert.True(JsonNode.DeepEquals(expected, Live()["spec"]), Live()["spec"]!.ToJsonString());
        Assert.Equal("frontend", (string?)Live()["metadata"]!["labels"]!["tier"]);
    }

    [Fact]
    public async Task SyncAsync_UserChangedSomeOfOurWeights_PutsAllTrafficBackOnThePrimary()
    {
        var user = _server.Seed(UserHttpRoute());
        var canary = Podinfo();
        var router = Router();
        await router.SetRoutesAsync(canary, new SetRoutes(60, 40), null, CancellationToken.None);
        var edited = Live();
        Rules(edited)[1]!["backendRefs"]![1]!["weight"] = 90;
        _server.Seed(edited);

        var observation = await router.SyncAsync(canary, CancellationToken.None);

        Assert.Equal((100, 0), (observation.PrimaryWeight, observation.CanaryWeight));
        Assert.True(JsonNode.DeepEquals(user["spec"], Live()["spec"]), Live()["spec"]!.ToJsonString());
    }

    [Fact]
    public async Task SetRoutes_UserGrpcRoute_SameEditsAndRestoredExactly()
    {
        var user = _server.Seed(UserGrpcRoute());
        var canary = Podinfo(kind: "GRPCRoute");
        var router = Router();

        await router.SetRoutesAsync(canary, new SetRoutes(90, 10), null, CancellationToken.None);

        var live = Live("GRPCRoute");
        Assert.True(JsonNode.DeepEquals(Attached(user, 90, 10), live["spec"]), live["spec"]!.ToJsonString());
        Assert.Equal((true, 90, 10, false), await ReadAsync(router, canary));
        Assert.Null(_server.Get(HttpRoute, "HTTPRoute", _ns, "shop"));

        await router.SetRoutesAsync(canary, new SetRoutes(100, 0), null, CancellationToken.None);

        Assert.True(JsonNode.DeepEquals(user["spec"], Live("GRPCRoute")["spec"]), Live("GRPCRoute")["spec"]!.ToJsonString());
        Assert.Null(Annotation(Live("GRPCRoute")));
    }

    [Fact]
    public async Task SetRoutes_GrpcRouteABTesting_CombinesHeadersWithTheMethodMatch()
    {
        _server.Seed(UserGrpcRoute());
        var canary = Podinfo(
            c =>
            {
                c.Spec.Analysis!.StepWeight = null;
                c.Spec.Analysis.Iterations = 5;
                c.Spec.Analysis.Match = [new HttpMatchRequest { Headers = new Dictionary<string, StringMatch> { ["x-canary"] = new() { Exact = "insider" } } }];
            },
            kind: "GRPCRoute");

        await Router().SetRoutesAsync(canary, new SetRoutes(0, 100), null, CancellationToken.None);

        var rules = Rules(Live("GRPCRoute"));
        Assert.Equal(3, rules.Count);
        Assert.Equal(
            """[{"method":{"type":"Exact","service":"podinfo.Echo","method":"Say"},"headers":[{"name":"x-canary","type":"Exact","value":"insider"},{"name":"x-tenant","value":"acme"}]}]""",
            rules[0]!["matches"]!.ToJsonString());
        Assert.Equal("""[{"name":"podinfo-primary","port":9898,"weight":0},{"name":"podinfo-canary","port":9898,"weight":100}]""", rules[0]!["backendRefs"]!.ToJsonString());
    }

    [Fact]
    public async Task RevertAsync_AttachedUserRoute_RemovesOurRulesAndAnnotation()
    {
        var user = _server.Seed(UserHttpRoute());
        var canary = ABTesting();
        var router = Router();
        await router.SetRoutesAsync(canary, new SetRoutes(0, 100), null, CancellationToken.None);

        await router.RevertAsync(canary, CancellationToken.None);

        Assert.True(JsonNode.DeepEquals(user["spec"], Live()["spec"]), Live()["spec"]!.ToJsonString());
        Assert.True(JsonNode.DeepEquals(user["metadata"]!["annotations"], Live()["metadata"]!["annotations"]));
    }

    [Fact]
    public async Task RevertAsync_GeneratedRoute_LeavesItToGarbageCollection()
    {
        var canary = HttpRouteSpecTests.Podinfo(c => c.Metadata.NamespaceProperty = _ns);
        var router = Router();
        await router.SyncAsync(canary, CancellationToken.None);
        await router.SetRoutesAsync(canary, new SetRoutes(90, 10), null, CancellationToken.None);
        var before = _server.Get(HttpRoute, "HTTPRoute", _ns, "podinfo")!;

        await router.RevertAsync(canary, CancellationToken.None);

        Assert.Equal((string?)before["metadata"]!["resourceVersion"], (string?)_server.Get(HttpRoute, "HTTPRoute", _ns, "podinfo")!["metadata"]!["resourceVersion"]);
    }

    private static async Task<(bool Ready, int Primary, int Canary, bool Mirrored)> ReadAsync(GatewayApiRouter router, Canary canary)
    {
        var observation = await router.SyncAsync(canary, CancellationToken.None);
        return (observation.IsReady, observation.PrimaryWeight, observation.CanaryWeight, observation.Mirrored);
    }

    /// <summary>An A/B Canary (five iterations) sending <c>x-canary: insider</c> to the canary.</summary>
    private Canary ABTesting() => Podinfo(c =>
    {
        c.Spec.Analysis!.StepWeight = null;
        c.Spec.Analysis.Iterations = 5;
        c.Spec.Analysis.Match = [new HttpMatchRequest { Headers = new Dictionary<string, StringMatch> { ["x-canary"] = new() { Exact = "insider" } } }];
    });
}
