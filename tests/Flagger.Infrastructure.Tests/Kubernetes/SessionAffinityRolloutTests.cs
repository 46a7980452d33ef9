using System.Text.Json.Nodes;
using Flagger.Core.Model;
using Flagger.Infrastructure.Tests.Support;
using Flagger.Testing.Kubernetes;

namespace Flagger.Infrastructure.Tests.Kubernetes;

/// <summary>
/// Session affinity through a whole run over the real adapters and the fake API server, after Flagger's
/// <c>test/gatewayapi/test-session-affinity.sh</c>: the cookies the HTTPRoute sets and matches are those of the
/// Canary status, the route is not taken for drift between ticks, and the previous cookie is expired at the end.
/// </summary>
[Collection(FakeApiServerCollection.Name)]
public sealed class SessionAffinityRolloutTests(FakeApiServerFixture fixture)
{
    [Fact]
    public async Task Run_TheRouteFollowsTheStatusCookies_AndExpiresTheRunsCookieOnceSucceeded()
    {
        var rollout = new ClusterRollout(fixture.FreshServer(), fixture.NewNamespace(), change: canary =>
            canary.Spec.Analysis!.SessionAffinity = new SessionAffinity { CookieName = "flagger-cookie", PrimaryCookieName = "primary-cookie" });
        await rollout.TickUntilAsync(CanaryPhase.Initialized);
        rollout.SetImage("podinfo:2.0.0");
        await rollout.TickUntilAsync(CanaryPhase.Progressing);

        await rollout.TickAsync();

        var status = rollout.Canary.Status!;
        Assert.Matches("^flagger-cookie=[a-z]{10}$", status.SessionAffinityCookie);
        Assert.Matches("^primary-cookie=[a-z]{10}$", status.PrimarySessionAffinityCookie);
        var rules = Rules(rollout);
        Assert.Equal(Pattern(status.SessionAffinityCookie!), CookieMatch(rules[0]!));
        Assert.Equal(Pattern(status.PrimarySessionAffinityCookie!), CookieMatch(rules[1]!));
        Assert.StartsWith($"{status.SessionAffinityCookie}; Max-Age=86400", BackendSetCookie(rules[2]!, 1));
        Assert.Equal(25, rules[2]!["backendRefs"]![1]!["weight"]!.GetValue<int>());

        await rollout.TickAsync();

        Assert.Equal(50, Rules(rollout)[2]!["backendRefs"]![1]!["weight"]!.GetValue<int>());
        Assert.Equal(status.SessionAffinityCookie, rollout.Canary.Status!.SessionAffinityCookie);

        await rollout.TickUntilAsync(CanaryPhase.Succeeded);
        var done = rollout.Canary.Status!;
        Assert.Null(done.SessionAffinityCookie);
        Assert.Equal(status.SessionAffinityCookie, done.PreviousSessionAffinityCookie);
        Assert.Equal(status.PrimarySessionAffinityCookie, done.PrimarySessionAffinityCookie);
        var expiring = Rules(rollout)[0]!;
        Assert.Equal(Pattern(status.SessionAffinityCookie!), CookieMatch(expiring));
        Assert.Equal($"{status.SessionAffinityCookie}; Max-Age=-1", (string?)expiring["filters"]![0]!["responseHeaderModifier"]!["add"]![0]!["value"]);

        var version = (string?)Route(rollout)["metadata"]!["resourceVersion"];
        await rollout.TickAsync();
        Assert.Equal(version, (string?)Route(rollout)["metadata"]!["resourceVersion"]);
    }

    private static string Pattern(string cookie) => $".*{cookie.Split('=')[0]}.*{cookie.Split('=')[1]}.*";

    private static JsonObject Route(ClusterRollout rollout) =>
        rollout.Server.Get("gateway.networking.k8s.io/v1", "HTTPRoute", rollout.Namespace, "podinfo")!;

    private static JsonArray Rules(ClusterRollout rollout) => Route(rollout)["spec"]!["rules"]!.AsArray();

    private static string? CookieMatch(JsonNode rule) => (string?)rule["matches"]![0]!["headers"]![0]!["value"];

    private static string? BackendSetCookie(JsonNode rule, int backend) =>
        (string?)rule["backendRefs"]![backend]!["filters"]![0]!["responseHeaderModifier"]!["add"]![0]!["value"];
}
