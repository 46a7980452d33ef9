using System.Text.Json.Nodes;
using Flagger.Core.Model;
using Flagger.Core.Routing;
using Flagger.Infrastructure.GatewayApi;

namespace Flagger.Infrastructure.Tests.GatewayApi;

/// <summary>The generated GRPCRoute (<c>flagger-functions.io/route-kind: GRPCRoute</c>): the HTTPRoute's strategies in GRPCRoute terms.</summary>
public sealed class GrpcRouteSpecTests
{
    internal static Canary Grpc(Action<Canary>? change = null) => HttpRouteSpecTests.Podinfo(c =>
    {
        c.Metadata.Annotations = new Dictionary<string, string> { [RouteKind.Annotation] = "GRPCRoute" };
        change?.Invoke(c);
    });

    internal static void BlueGreen(Canary canary, bool mirror = false, int? mirrorWeight = null)
    {
        canary.Spec.Analysis!.StepWeight = null;
        canary.Spec.Analysis.MaxWeight = null;
        canary.Spec.Analysis.Iterations = 5;
        canary.Spec.Analysis.Mirror = mirror;
        canary.Spec.Analysis.MirrorWeight = mirrorWeight;
    }

    private static JsonArray Rules(JsonObject spec) => spec["rules"]!.AsArray();

    private static (string? Name, int Weight)[] Backends(JsonNode rule) =>
        [.. rule["backendRefs"]!.AsArray().Select(b => ((string?)b!["name"], b["weight"]!.GetValue<int>()))];

    [Fact]
    public void Build_PlainCanary_ParentsHostsNoMatchesAndPrimaryCanaryBackends()
    {
        var spec = GrpcRouteSpec.Build(Grpc(), GatewayApiVersion.V1, 90, 10, false);

        Assert.Equal("""[{"group":"gateway.networking.k8s.io","kind":"Gateway","namespace":"gateway-system","name":"public"}]""", spec["parentRefs"]!.ToJsonString());
        Assert.Equal("""["podinfo.example.com"]""", spec["hostnames"]!.ToJsonString());
        var rule = Assert.Single(Rules(spec));
        // No matches: the rule takes every call (a GRPCRoute has no path to default to "/").
        Assert.Equal(
            """{"backendRefs":[{"group":"","kind":"Service","name":"podinfo-primary","port":9898,"weight":90},{"group":"","kind":"Service","name":"podinfo-canary","port":9898,"weight":10}]}""",
            rule!.ToJsonString());
    }

    [Fact]
    public void Build_ServiceMatches_UriBecomesTheGrpcMethodAndHeadersStay()
    {
        var canary = Grpc(c => c.Spec.Service.Match =
        [
            new HttpMatchRequest
            {
                Uri = new StringMatch { Exact = "/podinfo.v1.Echo/Say" },
                Headers = new Dictionary<string, StringMatch> { ["x-tenant"] = new() { Exact = "a" } },
            },
            new HttpMatchRequest { Uri = new StringMatch { Prefix = "/grpc.health.v1.Health/" } },
        ]);

        var rule = Rules(GrpcRouteSpec.Build(canary, GatewayApiVersion.V1, 100, 0, false))[0]!;

        Assert.Equal(
            """[{"method":{"type":"Exact","service":"podinfo.v1.Echo","method":"Say"},"headers":[{"name":"x-tenant","type":"Exact","value":"a"}]},{"method":{"type":"Exact","service":"grpc.health.v1.Health"}}]""",
            rule["matches"]!.ToJsonString());
    }

    [Fact]
    public void Build_HeadersAndStaticMirror_HeaderModifiersThenRequestMirror_NoTimeouts()
    {
        var canary = Grpc(c =>
        {
            c.Spec.Service.Headers = new HeaderOperations
            {
                Request = new HeaderOperation { Set = new Dictionary<string, string> { ["x-b"] = "2", ["x-a"] = "1" }, Remove = ["x-drop"] },
                Response = new HeaderOperation { Add = new Dictionary<string, string> { ["x-served-by"] = "podinfo" } },
            };
            c.Spec.Service.Mirror = [new MirrorTarget { BackendRef = new BackendReference { Name = "shadow", Port = 9999 } }];
        });

        var rule = Rules(GrpcRouteSpec.Build(canary, GatewayApiVersion.V1, 100, 0, false))[0]!;

        Assert.Equal(
            """[{"type":"RequestHeaderModifier","requestHeaderModifier":{"set":[{"name":"x-a","value":"1"},{"name":"x-b","value":"2"}],"remove":["x-drop"]}},{"type":"ResponseHeaderModifier","responseHeaderModifier":{"add":[{"name":"x-served-by","value":"podinfo"}]}},{"type":"RequestMirror","requestMirror":{"backendRef":{"group":"","kind":"Service","name":"shadow","port":9999}}}]""",
            rule["filters"]!.ToJsonString());
        Assert.Null(rule["timeouts"]);
    }

    [Fact]
    public void Build_ABTesting_HeaderMatchRuleToCanaryThenCatchAllPrimaryRule()
    {
        var canary = Grpc(c =>
        {
            BlueGreen(c);
            c.Spec.Analysis!.Match =
            [
                new HttpMatchRequest { Headers = new Dictionary<string, StringMatch> { ["x-canary"] = new() { Exact = "insider" } } },
                new HttpMatchRequest { Headers = new Dictionary<string, StringMatch> { ["x-user"] = new() { Regex = "^(alice|bob)$" } } },
            ];
        });

        var rules = Rules(GrpcRouteSpec.Build(canary, GatewayApiVersion.V1, 0, 100, false));

        Assert.Equal(2, rules.Count);
        Assert.Equal(
            """[{"headers":[{"name":"x-canary","type":"Exact","value":"insider"}]},{"headers":[{"name":"x-user","type":"RegularExpression","value":"^(alice|bob)$"}]}]""",
            rules[0]!["matches"]!.ToJsonString());
        Assert.Equal([("podinfo-primary", 0), ("podinfo-canary", 100)], Backends(rules[0]!));
        Assert.Null(rules[1]!["matches"]);
        Assert.Equal([("podinfo-primary", 100)], Backends(rules[1]!));
    }

    [Fact]
    public void Build_ABTestingWithServiceMethod_EveryHeaderMatchKeepsTheMethod()
    {
        var canary = Grpc(c =>
        {
            BlueGreen(c);
            c.Spec.Service.Match = [new HttpMatchRequest { Uri = new StringMatch { Prefix = "/podinfo.v1.Echo" } }];
            c.Spec.Analysis!.Match = [new HttpMatchRequest { Headers = new Dictionary<string, StringMatch> { ["x-canary"] = new() { Exact = "insider" } } }];
        });

        var rules = Rules(GrpcRouteSpec.Build(canary, GatewayApiVersion.V1, 100, 0, false));

        Assert.Equal(
            """[{"method":{"type":"Exact","service":"podinfo.v1.Echo"},"headers":[{"name":"x-canary","type":"Exact","value":"insider"}]}]""",
            rules[0]!["matches"]!.ToJsonString());
        Assert.Equal("""[{"method":{"type":"Exact","service":"podinfo.v1.Echo"}}]""", rules[1]!["matches"]!.ToJsonString());
    }

    [Fact]
    public void Build_BlueGreenMirrored_MirrorsToTheCanaryWithTheMirrorWeightAsPercent()
    {
        var canary = Grpc(c => BlueGreen(c, mirror: true, mirrorWeight: 20));

        var mirrored = Rules(GrpcRouteSpec.Build(canary, GatewayApiVersion.V1, 100, 0, true))[0]!;
        var live = Rules(GrpcRouteSpec.Build(canary, GatewayApiVersion.V1, 0, 100, false))[0]!;

        Assert.Equal(
            """[{"type":"RequestMirror","requestMirror":{"backendRef":{"group":"","kind":"Service","name":"podinfo-canary","port":9898},"percent":20}}]""",
            mirrored["filters"]!.ToJsonString());
        Assert.Null(live["filters"]);
    }

    [Fact]
    public void Build_SameCanaryAsHttpRoute_SameParentsHostnamesAndBackends()
    {
        var canary = Grpc();

        var grpc = GrpcRouteSpec.Build(canary, GatewayApiVersion.V1, 75, 25, false);
        var http = HttpRouteSpec.Build(canary, GatewayApiVersion.V1, 75, 25, false);

        Assert.True(JsonNode.DeepEquals(http["parentRefs"], grpc["parentRefs"]));
        Assert.True(JsonNode.DeepEquals(http["hostnames"], grpc["hostnames"]));
        Assert.True(JsonNode.DeepEquals(http["rules"]![0]!["backendRefs"], grpc["rules"]![0]!["backendRefs"]));
    }

    [Theory]
    [InlineData(75, 25, false)]
    [InlineData(0, 100, false)]
    [InlineData(100, 0, true)]
    public void RouteSplit_GrpcRouteObject_ReadsTheWeightsAndMirrorBack(int primary, int canaryWeight, bool mirrored)
    {
        var canary = Grpc(c => BlueGreen(c, mirror: true, mirrorWeight: 50));
        canary.Spec.Analysis!.Match = [new HttpMatchRequest { Headers = new Dictionary<string, StringMatch> { ["x-canary"] = new() { Exact = "1" } } }];
        var route = new JsonObject
        {
            ["apiVersion"] = "gateway.networking.k8s.io/v1",
            ["kind"] = "GRPCRoute",
            ["spec"] = GrpcRouteSpec.Build(canary, GatewayApiVersion.V1, primary, canaryWeight, mirrored),
        };

        Assert.Equal(new RouteSplit(primary, canaryWeight, mirrored), RouteSplit.Read(route, "podinfo"));
    }

    [Fact]
    public void GrpcSpec_ParseThenToJson_GivesTheBuiltSpecBack()
    {
        var canary = Grpc(c =>
        {
            BlueGreen(c, mirror: true, mirrorWeight: 10);
            c.Spec.Service.Match = [new HttpMatchRequest { Uri = new StringMatch { Exact = "/a.B/C" } }];
            c.Spec.Analysis!.Match = [new HttpMatchRequest { Headers = new Dictionary<string, StringMatch> { ["x-canary"] = new() { Exact = "1" } } }];
        });
        var built = GrpcRouteSpec.Build(canary, GatewayApiVersion.V1, 100, 0, true);

        var roundTripped = GrpcSpec.Parse(JsonNode.Parse(built.ToJsonString())).ToJson();

        Assert.Equal(built.ToJsonString(), roundTripped.ToJsonString());
    }
}
