using Flagger.Core.Model;
using Flagger.Core.Routing;
using Xunit;

namespace Flagger.Core.Tests.Routing;

/// <summary>The GRPCRoute pieces of the typed route model: the uri read as a gRPC path, and the mirror share.</summary>
public sealed class GrpcRouteTests
{
    [Theory]
    [InlineData("/podinfo.v1.Echo/Say", null, "podinfo.v1.Echo", "Say")]
    [InlineData(null, "/podinfo.v1.Echo/", "podinfo.v1.Echo", null)]
    [InlineData(null, "/podinfo.v1.Echo", "podinfo.v1.Echo", null)]
    public void TryFromPath_GrpcPathForms_AreExactServiceAndMethodMatches(string? exact, string? prefix, string service, string? method)
    {
        Assert.True(GrpcMethodMatch.TryFromPath(new StringMatch { Exact = exact, Prefix = prefix }, out var match));

        Assert.Equal(new GrpcMethodMatch("Exact", service, method), match);
    }

    [Fact]
    public void TryFromPath_NoUriOrRootPrefix_MatchesEveryMethod()
    {
        Assert.True(GrpcMethodMatch.TryFromPath(null, out var none));
        Assert.True(GrpcMethodMatch.TryFromPath(new StringMatch { Prefix = "/" }, out var root));

        Assert.Null(none);
        Assert.Null(root);
    }

    [Theory]
    [InlineData("/podinfo.v1.Echo", null, null)]
    [InlineData("/a/b/c", null, null)]
    [InlineData("podinfo.v1.Echo/Say", null, null)]
    [InlineData(null, "/podinfo.v1.Echo/Sa", null)]
    [InlineData(null, "/api/v1/", null)]
    [InlineData(null, null, "/podinfo.*")]
    public void TryFromPath_OtherForms_HaveNoGrpcRouteEquivalent(string? exact, string? prefix, string? regex)
    {
        Assert.False(GrpcMethodMatch.TryFromPath(new StringMatch { Exact = exact, Prefix = prefix, Regex = regex }, out _));
    }

    [Fact]
    public void RouteSplitRead_GrpcRouteObject_ReadsItsMethodMatchesAsAGrpcRoute()
    {
        var route = System.Text.Json.Nodes.JsonNode.Parse("""
            {"kind":"GRPCRoute","spec":{"rules":[{"matches":[{"method":{"type":"Exact","service":"a.B","method":"C"}}],
              "filters":[{"type":"RequestMirror","requestMirror":{"backendRef":{"name":"podinfo-canary","port":9898},"percent":10}}],
              "backendRefs":[{"name":"podinfo-primary","port":9898,"weight":80},{"name":"podinfo-canary","port":9898,"weight":20}]}]}}
            """);

        Assert.Equal(new RouteSplit(80, 20, true), RouteSplit.Read(route, "podinfo"));
    }

    [Fact]
    public void RequestMirrorShare_PercentThenFractionThenEverything()
    {
        var target = new RouteObjectRef { Name = "podinfo-canary" };

        Assert.Equal(1, new RouteRequestMirror(target).Share);
        Assert.Equal(0.25, new RouteRequestMirror(target) { Percent = 25 }.Share);
        Assert.Equal(0.1, new RouteRequestMirror(target) { Fraction = new RouteFraction(1, 10) }.Share);
        Assert.Equal(0.5, new RouteRequestMirror(target) { Fraction = new RouteFraction(50, null) }.Share);
        Assert.Equal(0, new RouteRequestMirror(target) { Fraction = new RouteFraction(1, 0) }.Share);
    }

    [Theory]
    [InlineData(null, "HTTPRoute")]
    [InlineData("HTTPRoute", "HTTPRoute")]
    [InlineData(" GRPCRoute ", "GRPCRoute")]
    public void RouteKindOf_Annotation_NamesTheKind(string? annotation, string kind)
    {
        var canary = new Canary();
        if (annotation is not null)
        {
            canary.Metadata.Annotations = new Dictionary<string, string> { [RouteKind.Annotation] = annotation };
        }

        Assert.Equal(kind, RouteKind.Of(canary).Kind);
    }

    [Fact]
    public void RouteKindTryOf_OtherValue_IsFalse()
    {
        var canary = new Canary();
        canary.Metadata.Annotations = new Dictionary<string, string> { [RouteKind.Annotation] = "TLSRoute" };

        Assert.False(RouteKind.TryOf(canary, out _));
    }
}
