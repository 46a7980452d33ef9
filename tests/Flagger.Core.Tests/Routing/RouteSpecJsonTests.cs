using System.Text.Json.Nodes;
using Flagger.Core.Routing;
using Xunit;

namespace Flagger.Core.Tests.Routing;

/// <summary>The typed route's JSON: the exact shape Flagger writes (the HttpRouteSpec fixtures), camelCase, nulls left out.</summary>
public sealed class RouteSpecJsonTests
{
    private static readonly string s_fixtures = Path.Combine(AppContext.BaseDirectory, "Routing", "Fixtures");

    public static TheoryData<string> Fixtures =>
        [.. Directory.GetFiles(s_fixtures, "httproute-*.json").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Fact]
    public void Fixtures_AreCopied()
    {
        // Guards the guard: without fixtures the round trip below would pass vacuously.
        Assert.True(Fixtures.Count >= 8, $"expected the HTTPRoute fixtures in {s_fixtures}");
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void ParseThenToJson_FlaggersRoutes_GiveTheSameJsonBack(string fixture)
    {
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(s_fixtures, fixture)))!.ToJsonString();

        var json = RouteSpec.Parse(JsonNode.Parse(expected)).ToJson().ToJsonString();

        Assert.Equal(expected, json);
    }

    [Fact]
    public void ToJson_TypedPlainCanaryRoute_WritesTheShapeFlaggerWrites()
    {
        var spec = new RouteSpec
        {
            ParentRefs = [new RouteParentRef { Group = "gateway.networking.k8s.io", Kind = "Gateway", Namespace = "gateway-system", Name = "public" }],
            Hostnames = ["podinfo.example.com"],
            Rules =
            [
                new RouteRule
                {
                    Matches = [new RouteMatch { Path = new RoutePathMatch("PathPrefix", "/") }],
                    BackendRefs =
                    [
                        new RouteBackendRef { Group = "", Kind = "Service", Name = "podinfo-primary", Port = 9898, Weight = 100 },
                        new RouteBackendRef { Group = "", Kind = "Service", Name = "podinfo-canary", Port = 9898, Weight = 0 },
                    ],
                },
            ],
        };

        var json = spec.ToJson().ToJsonString();

        Assert.Equal(JsonNode.Parse(File.ReadAllText(Path.Combine(s_fixtures, "httproute-plain.json")))!.ToJsonString(), json);
        Assert.Equal(
            """{"parentRefs":[{"group":"gateway.networking.k8s.io","kind":"Gateway","namespace":"gateway-system","name":"public"}],"hostnames":["podinfo.example.com"],"rules":[{"matches":[{"path":{"type":"PathPrefix","value":"/"}}],"backendRefs":[{"group":"","kind":"Service","name":"podinfo-primary","port":9898,"weight":100},{"group":"","kind":"Service","name":"podinfo-canary","port":9898,"weight":0}]}]}""",
            json);
    }

    [Fact]
    public void ToJson_BackendWithFilters_WritesWeightAndFiltersAfterTheObjectReference()
    {
        var backend = new RouteBackendRef
        {
            Name = "podinfo-canary",
            Port = 9898,
            Weight = 10,
            Filters = [new RouteFilter { Type = "ResponseHeaderModifier", ResponseHeaderModifier = new RouteHeaderModifier { Add = [new RouteHeader("Set-Cookie", "c=abc")] } }],
        };

        var json = new RouteSpec { Rules = [new RouteRule { BackendRefs = [backend] }] }.ToJson().ToJsonString();

        Assert.Equal(
            """{"rules":[{"backendRefs":[{"name":"podinfo-canary","port":9898,"weight":10,"filters":[{"type":"ResponseHeaderModifier","responseHeaderModifier":{"add":[{"name":"Set-Cookie","value":"c=abc"}]}}]}]}]}""",
            json);
    }

    [Fact]
    public void Parse_FieldsNotModelled_AreDroppedAndTheRestKept()
    {
        var spec = RouteSpec.Parse(JsonNode.Parse("""{"rules":[{"name":"r","retry":{"attempts":2},"backendRefs":[{"name":"podinfo-primary","weight":1}]}]}"""));

        Assert.Equal("""{"rules":[{"backendRefs":[{"name":"podinfo-primary","weight":1}]}]}""", spec.ToJson().ToJsonString());
    }

    [Fact]
    public void Parse_NoSpec_IsAnEmptySpec()
    {
        Assert.Equal("{}", RouteSpec.Parse(null).ToJson().ToJsonString());
    }

    [Theory]
    [InlineData(null, null, true)]
    [InlineData("", "Service", true)]
    [InlineData("", "ServiceImport", false)]
    [InlineData("example.com", null, false)]
    public void IsService_GroupAndKind_CoreServiceOnly(string? group, string? kind, bool expected)
    {
        Assert.Equal(expected, new RouteObjectRef { Group = group, Kind = kind, Name = "x" }.IsService);
    }

    [Fact]
    public void MirrorTarget_OnlyForRequestMirrorFilters()
    {
        var target = new RouteObjectRef { Name = "podinfo-canary" };
        var mirror = new RouteRequestMirror(target);

        Assert.Same(target, new RouteFilter { Type = "RequestMirror", RequestMirror = mirror }.MirrorTarget);
        Assert.Null(new RouteFilter { Type = "URLRewrite", RequestMirror = mirror }.MirrorTarget);
    }
}
