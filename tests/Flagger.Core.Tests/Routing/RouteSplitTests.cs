using System.Text.Json.Nodes;
using Flagger.Core.Routing;
using Xunit;

namespace Flagger.Core.Tests.Routing;

/// <summary>GetRoutes' reading of the split (spec §4.7, §4.9), for routes Flagger writes and routes it finds.</summary>
public sealed class RouteSplitTests
{
    private const string Apex = "podinfo";

    private static string Backend(string name, int weight, string? filters = null) =>
        "{\"group\":\"\",\"kind\":\"Service\",\"name\":\"" + name + "\",\"port\":9898,\"weight\":" + weight
        + (filters is null ? "" : ",\"filters\":" + filters) + "}";

    private static JsonNode Route(params string[] rules) =>
        JsonNode.Parse("{\"metadata\":{\"name\":\"podinfo\"},\"spec\":{\"parentRefs\":[],\"rules\":[" + string.Join(",", rules) + "]}}")!;

    private static string Rule(params string[] backends) =>
        "{\"matches\":[{\"path\":{\"type\":\"PathPrefix\",\"value\":\"/\"}}],\"backendRefs\":[" + string.Join(",", backends) + "]}";

    private const string SetCookie = """[{"type":"ResponseHeaderModifier","responseHeaderModifier":{"add":[{"name":"Set-Cookie","value":"c=abc"}]}}]""";

    [Fact]
    public void Read_RouteWithCanaryRule_ReturnsPrimaryAndCanaryWeights()
    {
        var route = Route(Rule(Backend("podinfo-primary", 90), Backend("podinfo-canary", 10)));

        var split = RouteSplit.Read(route, Apex);

        Assert.Equal(new RouteSplit(90, 10, false), split);
    }

    [Fact]
    public void Read_BackendsInEitherOrder_ReadsEachWeightByServiceName()
    {
        var route = Route(Rule(Backend("podinfo-canary", 30), Backend("podinfo-primary", 70)));

        var split = RouteSplit.Read(route, Apex);

        Assert.Equal(new RouteSplit(70, 30, false), split);
    }

    [Fact]
    public void Read_SessionAffinityRoute_ReadsTheRuleWhoseBackendsCarryFilters()
    {
        var route = Route(
            Rule(Backend("podinfo-primary", 0), Backend("podinfo-canary", 100)),
            Rule(Backend("podinfo-primary", 100), Backend("podinfo-canary", 0)),
            Rule(Backend("podinfo-primary", 80), Backend("podinfo-canary", 20, SetCookie)));

        var split = RouteSplit.Read(route, Apex);

        Assert.Equal(new RouteSplit(80, 20, false), split);
    }

    [Fact]
    public void Read_FilteredBackendsBeforeAPlainPrimaryCanaryRule_StillReadsTheFilteredRule()
    {
        var route = Route(
            Rule(Backend("podinfo-primary", 60), Backend("podinfo-canary", 40, SetCookie)),
            Rule(Backend("podinfo-primary", 100), Backend("podinfo-canary", 0)));

        var split = RouteSplit.Read(route, Apex);

        Assert.Equal(new RouteSplit(60, 40, false), split);
    }

    [Fact]
    public void Read_SeveralPrimaryCanaryRules_TheLastOneWins()
    {
        var route = Route(
            Rule(Backend("podinfo-primary", 50), Backend("podinfo-canary", 50)),
            Rule(Backend("podinfo-primary", 95), Backend("podinfo-canary", 5)));

        var split = RouteSplit.Read(route, Apex);

        Assert.Equal(new RouteSplit(95, 5, false), split);
    }

    [Fact]
    public void Read_ABRoute_ReadsTheMatchRuleNotThePrimaryOnlyRule()
    {
        var route = Route(
            Rule(Backend("podinfo-primary", 0), Backend("podinfo-canary", 100)),
            Rule(Backend("podinfo-primary", 100)));

        var split = RouteSplit.Read(route, Apex);

        Assert.Equal(new RouteSplit(0, 100, false), split);
    }

    [Fact]
    public void Read_NoRuleWithPrimaryAndCanary_AllTrafficOnThePrimary()
    {
        var route = Route(
            Rule(Backend("podinfo-primary", 100)),
            Rule(Backend("podinfo-primary", 10), Backend("other-canary", 90)),
            Rule(Backend("podinfo-primary", 10), Backend("podinfo-canary", 80), Backend("podinfo", 10)));

        var split = RouteSplit.Read(route, Apex);

        Assert.Equal(new RouteSplit(100, 0, false), split);
    }

    [Fact]
    public void Read_RouteOfAnotherApex_AllTrafficOnThePrimary()
    {
        var route = Route(Rule(Backend("podinfo-primary", 90), Backend("podinfo-canary", 10)));

        var split = RouteSplit.Read(route, "other");

        Assert.Equal(new RouteSplit(100, 0, false), split);
    }

    [Theory]
    [InlineData("""{"metadata":{"name":"podinfo"}}""")]
    [InlineData("""{"spec":{}}""")]
    [InlineData("""{"spec":{"rules":[]}}""")]
    public void Read_RouteWithoutRules_AllTrafficOnThePrimary(string json)
    {
        var split = RouteSplit.Read(JsonNode.Parse(json), Apex);

        Assert.Equal(new RouteSplit(100, 0, false), split);
    }

    [Fact]
    public void Read_NoRoute_AllTrafficOnThePrimary()
    {
        Assert.Equal(new RouteSplit(100, 0, false), RouteSplit.Read((JsonNode?)null, Apex));
    }

    [Fact]
    public void Read_BackendWithoutWeight_ReadsZero()
    {
        var route = Route(Rule(Backend("podinfo-primary", 100), """{"name":"podinfo-canary","port":9898}"""));

        var split = RouteSplit.Read(route, Apex);

        Assert.Equal(new RouteSplit(100, 0, false), split);
    }

    [Fact]
    public void Read_RuleMirroringToTheCanaryService_IsMirrored()
    {
        var route = Route("""
            {"matches":[{"path":{"type":"PathPrefix","value":"/"}}],
             "filters":[{"type":"RequestMirror","requestMirror":{"backendRef":{"group":"","kind":"Service","name":"podinfo-canary","port":9898}}}],
             "backendRefs":[
            """ + Backend("podinfo-primary", 100) + "," + Backend("podinfo-canary", 0) + "]}");

        var split = RouteSplit.Read(route, Apex);

        Assert.Equal(new RouteSplit(100, 0, true), split);
    }

    [Theory]
    [InlineData("""{"type":"RequestMirror","requestMirror":{"backendRef":{"name":"shadow","port":9898}}}""")]
    [InlineData("""{"type":"RequestHeaderModifier","requestMirror":{"backendRef":{"name":"podinfo-canary"}}}""")]
    public void Read_NoRuleMirrorToTheCanaryService_IsNotMirrored(string filter)
    {
        var route = Route("{\"filters\":[" + filter + "],\"backendRefs\":[" + Backend("podinfo-primary", 90) + "," + Backend("podinfo-canary", 10) + "]}");

        var split = RouteSplit.Read(route, Apex);

        Assert.Equal(new RouteSplit(90, 10, false), split);
    }

    [Fact]
    public void Read_BackendLevelMirrorToTheCanary_IsNotMirrored()
    {
        const string mirror = """[{"type":"RequestMirror","requestMirror":{"backendRef":{"name":"podinfo-canary"}}}]""";
        var route = Route(Rule(Backend("podinfo-primary", 90, mirror), Backend("podinfo-canary", 10)));

        var split = RouteSplit.Read(route, Apex);

        Assert.Equal(new RouteSplit(90, 10, false), split);
    }

    [Fact]
    public void Read_TypedSpec_SameAsTheJsonRoute()
    {
        var route = Route(Rule(Backend("podinfo-primary", 75), Backend("podinfo-canary", 25)));

        var split = RouteSplit.Read(RouteSpec.Parse(route["spec"]), Apex);

        Assert.Equal(RouteSplit.Read(route, Apex), split);
        Assert.Equal(new RouteSplit(75, 25, false), split);
    }
}
