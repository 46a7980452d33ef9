using System.Text.Json.Nodes;
using Flagger.Core.Model;
using Flagger.Infrastructure.GatewayApi;

namespace Flagger.Infrastructure.Tests.GatewayApi;

/// <summary>GetRoutes of spec §4.9: the split, and whether the parents accepted the current generation.</summary>
public sealed class RouteObservationTests
{
    private static JsonObject Route(Canary canary, int primary, int canaryWeight, long generation, string? accepted, long observedGeneration)
    {
        var spec = HttpRouteSpec.Build(canary, GatewayApiVersion.V1, primary, canaryWeight, false);
        var route = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "podinfo", ["namespace"] = "default", ["generation"] = generation },
            ["spec"] = spec,
        };
        if (accepted is not null)
        {
            route["status"] = new JsonObject
            {
                ["parents"] = new JsonArray(new JsonObject
                {
                    ["parentRef"] = spec["parentRefs"]![0]!.DeepClone(),
                    ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Accepted", ["status"] = accepted, ["reason"] = "NoMatchingParent", ["observedGeneration"] = observedGeneration }),
                }),
            };
        }

        return route;
    }

    [Fact]
    public void Observe_ParentAcceptedCurrentGeneration_ReadsTheSplit()
    {
        var canary = HttpRouteSpecTests.Podinfo();

        var observation = GatewayApiRouter.Observe(canary, Route(canary, 90, 10, 3, "True", 3));

        Assert.Equal((true, 90, 10, false), (observation.IsReady, observation.PrimaryWeight, observation.CanaryWeight, observation.Mirrored));
    }

    [Fact]
    public void Observe_ParentNotAccepted_IsNotReady()
    {
        var canary = HttpRouteSpecTests.Podinfo();

        var observation = GatewayApiRouter.Observe(canary, Route(canary, 90, 10, 3, "False", 3));

        Assert.False(observation.IsReady);
        Assert.Equal("HTTPRoute podinfo.default parent gateway-system/public is not ready: NoMatchingParent", observation.Message);
    }

    [Fact]
    public void Observe_StaleObservedGeneration_IsNotReady()
    {
        var canary = HttpRouteSpecTests.Podinfo();

        var observation = GatewayApiRouter.Observe(canary, Route(canary, 90, 10, 4, "True", 3));

        Assert.False(observation.IsReady);
        Assert.Contains("observed generation 3 < 4", observation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Observe_NoParentStatusYet_TrustsTheSpec()
    {
        var canary = HttpRouteSpecTests.Podinfo();

        var observation = GatewayApiRouter.Observe(canary, Route(canary, 50, 50, 1, null, 0));

        Assert.Equal((true, 50, 50), (observation.IsReady, observation.PrimaryWeight, observation.CanaryWeight));
    }

    [Fact]
    public void Observe_SessionAffinity_ReadsTheWeightedRuleNotTheStickyOnes()
    {
        var canary = HttpRouteSpecTests.Podinfo(c => c.Spec.Analysis!.SessionAffinity = new SessionAffinity { CookieName = "c", PrimaryCookieName = "p" });

        var observation = GatewayApiRouter.Observe(canary, Route(canary, 80, 20, 1, null, 0));

        Assert.Equal((80, 20), (observation.PrimaryWeight, observation.CanaryWeight));
    }
}
