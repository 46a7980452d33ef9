using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Testing.Canaries;
using Xunit;

namespace Flagger.Core.Tests.Analysis;

/// <summary>
/// The session-affinity cookies in the Canary status, tick by tick (spec §4.6, Flagger's
/// <c>TestGatewayAPIRouter_Routes</c> "session affinity" and <c>getSessionAffinityRouteRules</c>): made when the
/// canary first gets traffic, kept for the run, moved to <c>previousSessionAffinityCookie</c> at weight 0.
/// </summary>
public sealed class SessionAffinityCookieTests
{
    private const string CookiePattern = "^flagger-cookie=[a-z]{10}$";

    private static CanaryBuilder Sticky(string? primaryCookieName = "primary-cookie") =>
        Podinfo.Canary().WithSessionAffinity("flagger-cookie", primaryCookieName);

    [Fact]
    public async Task FirstStep_StoresTheCanaryAndPrimaryCookies_AndTheRouteUsesThem()
    {
        var world = await Podinfo.WithNewRevisionAsync(Sticky());
        await world.TickAsync(); // detected: weight 0, no cookie yet
        Assert.Null(world.Status.SessionAffinityCookie);

        await world.TickAsync();

        Assert.Equal(10, world.CanaryWeight);
        Assert.Matches(CookiePattern, world.Status.SessionAffinityCookie);
        Assert.Matches("^primary-cookie=[a-z]{10}$", world.Status.PrimarySessionAffinityCookie);
        Assert.Null(world.Status.PreviousSessionAffinityCookie);
        Assert.Equal(new SessionCookies(world.Status.SessionAffinityCookie, world.Status.PrimarySessionAffinityCookie, null), world.RouteCookies);
    }

    [Fact]
    public async Task LaterSteps_KeepTheCookiesOfTheRun()
    {
        var world = await Podinfo.WithNewRevisionAsync(Sticky());
        await world.TicksAsync(2);
        var (canaryCookie, primaryCookie) = (world.Status.SessionAffinityCookie, world.Status.PrimarySessionAffinityCookie);

        await world.TicksAsync(3);

        Assert.Equal(40, world.CanaryWeight);
        Assert.Equal((canaryCookie, primaryCookie), (world.Status.SessionAffinityCookie, world.Status.PrimarySessionAffinityCookie));
        Assert.Equal(canaryCookie, world.RouteCookies!.Canary);
    }

    [Fact]
    public async Task Promotion_AtWeightZero_TheRunsCookieBecomesThePreviousOne_ThePrimaryCookieStays()
    {
        var world = await Podinfo.WithNewRevisionAsync(Sticky());
        await world.TicksAsync(2);
        var (canaryCookie, primaryCookie) = (world.Status.SessionAffinityCookie, world.Status.PrimarySessionAffinityCookie);

        await world.TickUntilAsync(CanaryPhase.Succeeded);

        Assert.Equal((100, 0), (world.PrimaryWeight, world.CanaryWeight));
        Assert.Null(world.Status.SessionAffinityCookie);
        Assert.Equal(canaryCookie, world.Status.PreviousSessionAffinityCookie);
        Assert.Equal(primaryCookie, world.Status.PrimarySessionAffinityCookie);
        Assert.Equal(new SessionCookies(null, primaryCookie, canaryCookie), world.RouteCookies);
    }

    [Fact]
    public async Task Rollback_AtWeightZero_TheRunsCookieBecomesThePreviousOne()
    {
        var world = await Podinfo.WithNewRevisionAsync(Sticky().WithThreshold(1));
        await world.TicksAsync(2);
        var canaryCookie = world.Status.SessionAffinityCookie;
        world.SetMeasurement(CanaryMetric.RequestSuccessRate, 50);

        await world.TickUntilAsync(CanaryPhase.Failed);

        Assert.Null(world.Status.SessionAffinityCookie);
        Assert.Equal(canaryCookie, world.Status.PreviousSessionAffinityCookie);
        Assert.Equal(canaryCookie, world.RouteCookies!.Previous);
    }

    [Fact]
    public async Task NextRun_GetsANewCanaryCookie_AndKeepsThePreviousUntilItEnds()
    {
        var world = await Podinfo.WithNewRevisionAsync(Sticky());
        await world.TicksAsync(2);
        var first = world.Status.SessionAffinityCookie;
        var primaryCookie = world.Status.PrimarySessionAffinityCookie;
        await world.TickUntilAsync(CanaryPhase.Succeeded);

        world.UpdateTarget("podinfo:3.0.0");
        await world.TicksAsync(2);

        Assert.Equal(10, world.CanaryWeight);
        Assert.Matches(CookiePattern, world.Status.SessionAffinityCookie);
        Assert.NotEqual(first, world.Status.SessionAffinityCookie);
        Assert.Equal(first, world.Status.PreviousSessionAffinityCookie);
        Assert.Equal(primaryCookie, world.Status.PrimarySessionAffinityCookie);
    }

    [Fact]
    public async Task CookiesAlreadyInTheStatus_AreReusedAsTheyAre()
    {
        var world = await Podinfo.WithNewRevisionAsync(Sticky());
        await world.TickAsync();
        world.Canary.Status = world.Status with { SessionAffinityCookie = "flagger-cookie=FlaggerRnd", PrimarySessionAffinityCookie = "primary-cookie=PrimaryRnd" };

        await world.TicksAsync(2);

        Assert.Equal(20, world.CanaryWeight);
        Assert.Equal("flagger-cookie=FlaggerRnd", world.Status.SessionAffinityCookie);
        Assert.Equal("primary-cookie=PrimaryRnd", world.Status.PrimarySessionAffinityCookie);
        Assert.Equal(new SessionCookies("flagger-cookie=FlaggerRnd", "primary-cookie=PrimaryRnd", null), world.RouteCookies);
    }

    [Fact]
    public async Task StoredCookieOfAnotherName_IsReplacedByOneOfTheConfiguredName()
    {
        var world = await Podinfo.WithNewRevisionAsync(Sticky(primaryCookieName: null));
        await world.TickAsync();
        world.Canary.Status = world.Status with { SessionAffinityCookie = "renamed-cookie=FlaggerRnd" };

        await world.TickAsync();

        Assert.Matches(CookiePattern, world.Status.SessionAffinityCookie);
    }

    [Fact]
    public async Task WithoutPrimaryCookieName_NoPrimaryCookieIsStored()
    {
        var world = await Podinfo.WithNewRevisionAsync(Sticky(primaryCookieName: null));

        await world.TicksAsync(2);

        Assert.Matches(CookiePattern, world.Status.SessionAffinityCookie);
        Assert.Null(world.Status.PrimarySessionAffinityCookie);
    }

    [Fact]
    public async Task GatewayApiV1Beta1_NoPrimaryCookieIsStored()
    {
        var world = await Podinfo.WithNewRevisionAsync(Sticky().WithProvider("gatewayapi:v1beta1"));

        await world.TicksAsync(2);

        Assert.Matches(CookiePattern, world.Status.SessionAffinityCookie);
        Assert.Null(world.Status.PrimarySessionAffinityCookie);
    }

    [Fact]
    public async Task WithoutSessionAffinity_NoCookieAnywhere()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary());

        await world.TicksAsync(2);

        Assert.Equal(10, world.CanaryWeight);
        Assert.Equal((null, null, null), (world.Status.SessionAffinityCookie, world.Status.PrimarySessionAffinityCookie, world.Status.PreviousSessionAffinityCookie));
        Assert.Null(world.RouteCookies);
    }

    [Fact]
    public async Task TheSameTickDecidedTwice_MakesTheSameCookies()
    {
        var first = await Podinfo.WithNewRevisionAsync(Sticky());
        var second = await Podinfo.WithNewRevisionAsync(Sticky());

        await first.TicksAsync(2);
        await second.TicksAsync(2);

        Assert.Equal(first.Status.SessionAffinityCookie, second.Status.SessionAffinityCookie);
        Assert.Equal(first.Status.PrimarySessionAffinityCookie, second.Status.PrimarySessionAffinityCookie);
    }

    [Fact]
    public void Derive_SameCanaryAndRevision_IsStable_AndChangesWithTheRevisionAndTheCanary()
    {
        var canary = Sticky().Build();
        var other = Sticky().Build();
        other.Metadata.Uid = "another-uid";

        Assert.Equal(SessionAffinityCookies.Derive(canary, "c", "rev-2"), SessionAffinityCookies.Derive(canary, "c", "rev-2"));
        Assert.NotEqual(SessionAffinityCookies.Derive(canary, "c", "rev-2"), SessionAffinityCookies.Derive(canary, "c", "rev-3"));
        Assert.NotEqual(SessionAffinityCookies.Derive(canary, "c", "rev-2"), SessionAffinityCookies.Derive(other, "c", "rev-2"));
        Assert.Matches("^c=[a-z]{10}$", SessionAffinityCookies.Derive(canary, "c", "rev-2"));
    }
}
