using Flagger.Core.Model;
using Flagger.Testing.Canaries;
using Xunit;

namespace Flagger.Core.Tests.Analysis;

/// <summary>
/// The ordered event and webhook trace of Flagger's <c>TestWebhooks</c> (spec §9.1), with the phase each
/// event carries. One difference: Flagger's test bypasses the sync handler, so its first events carry an
/// empty phase; ours carry Initializing, the phase a real first sync writes.
/// </summary>
public sealed class GoldenTraceTests
{
    private static CanaryBuilder CanaryWithEveryHook() => Podinfo.Canary()
        .WithName("podinfo")
        .WithNamespace("default")
        .WithWebhook(WebhookType.Event, "event-webhook", "http://hooks/event")
        .WithWebhook(WebhookType.PreRollout, "pre-rollout-webhook", "http://hooks/pre-rollout")
        .WithWebhook(WebhookType.Rollout, "rollout-webhook", "http://hooks/rollout")
        .WithWebhook(WebhookType.ConfirmPromotion, "confirm-promotion-webhook", "http://hooks/confirm-promotion")
        .WithWebhook(WebhookType.ConfirmRollout, "confirm-rollout-webhook", "http://hooks/confirm-rollout")
        .WithWebhook(WebhookType.PostRollout, "post-rollout-webhook", "http://hooks/post-rollout")
        .WithWebhook(WebhookType.ConfirmTrafficIncrease, "confirm-traffic-increase-webhook", "http://hooks/confirm-traffic-increase");

    private const string NotReady =
        "podinfo-primary.default not ready: waiting for rollout to finish: 0 out of 1 new replicas have been updated";

    private const string ProvidersAvailable = "all the metrics providers are available!";

    [Fact]
    public async Task TestWebhooks_Canary_EventsAndHooksInFlaggersOrder()
    {
        var world = Podinfo.World(CanaryWithEveryHook().WithStepWeight(100).WithMaxWeight(null).WithStepWeightPromotion(50));

        await world.TickAsync();
        await world.TickAsync();
        Assert.Equal(CanaryPhase.Initialized, world.Phase);
        world.UpdateTarget("podinfo:2.0.0");
        var phases = new List<CanaryPhase>();
        for (var i = 0; i < 6; i++)
        {
            await world.TickAsync();
            phases.Add(world.Phase!.Value);
        }

        Assert.Equal(
            [
                CanaryPhase.Progressing, CanaryPhase.Progressing, CanaryPhase.Promoting,
                CanaryPhase.Promoting, CanaryPhase.Finalising, CanaryPhase.Succeeded,
            ],
            phases);
        Assert.Equal(
            [
                (CanaryPhase.Initializing, ProvidersAvailable),
                (CanaryPhase.Initializing, NotReady),
                (CanaryPhase.Initializing, ProvidersAvailable),
                (CanaryPhase.Initialized, "Initialization done! podinfo.default"),
                (CanaryPhase.Initialized, "Confirm-rollout check confirm-rollout-webhook passed"),
                (CanaryPhase.Progressing, "New revision detected! Scaling up podinfo.default"),
                (CanaryPhase.Progressing, "Starting canary analysis for podinfo.default"),
                (CanaryPhase.Progressing, "Pre-rollout check pre-rollout-webhook passed"),
                (CanaryPhase.Progressing, "Confirm-traffic-increase check confirm-traffic-increase-webhook passed"),
                (CanaryPhase.Progressing, "Advance podinfo.default canary weight 100"),
                (CanaryPhase.Progressing, "Confirm-traffic-increase check confirm-traffic-increase-webhook passed"),
                (CanaryPhase.Progressing, "Confirm-promotion check confirm-promotion-webhook passed"),
                (CanaryPhase.Progressing, "Copying podinfo.default template spec to podinfo-primary.default"),
                (CanaryPhase.Promoting, "Advance podinfo.default primary weight 50"),
                (CanaryPhase.Promoting, "Advance podinfo.default primary weight 100"),
                (CanaryPhase.Succeeded, "Post-rollout check post-rollout-webhook passed"),
                (CanaryPhase.Succeeded, "Promotion completed! Scaling down podinfo.default"),
            ],
            world.Events.Select(e => (e.Phase!.Value, e.Message)));
        Assert.Equal(
            [
                ("confirm-rollout", "Initialized"),
                ("pre-rollout", "Progressing"),
                ("confirm-traffic-increase", "Progressing"),
                ("rollout", "Progressing"),
                ("confirm-traffic-increase", "Progressing"),
                ("confirm-promotion", "Progressing"),
                ("post-rollout", "Succeeded"),
            ],
            world.HookCalls.Select(c => (c.Type, c.Payload.Phase)));
    }

    [Fact]
    public async Task TestWebhooks_SkipAnalysis_EventsAndHooksInFlaggersOrder()
    {
        var world = Podinfo.World(CanaryWithEveryHook());

        await world.TicksAsync(2);
        world.Canary.Spec.SkipAnalysis = true;
        world.UpdateTarget("podinfo:2.0.0");
        await world.TicksAsync(2);

        Assert.Equal(CanaryPhase.Succeeded, world.Phase);
        Assert.Equal(
            [
                (CanaryPhase.Initializing, ProvidersAvailable),
                (CanaryPhase.Initializing, NotReady),
                (CanaryPhase.Initializing, ProvidersAvailable),
                (CanaryPhase.Initialized, "Initialization done! podinfo.default"),
                (CanaryPhase.Initialized, "Confirm-rollout check confirm-rollout-webhook passed"),
                (CanaryPhase.Progressing, "New revision detected! Scaling up podinfo.default"),
                (CanaryPhase.Progressing, "Copying podinfo.default template spec to podinfo-primary.default"),
                (CanaryPhase.Succeeded, "Promotion completed! Canary analysis was skipped for podinfo.default"),
            ],
            world.Events.Select(e => (e.Phase!.Value, e.Message)));
        Assert.Equal([("confirm-rollout", "Initialized")], world.HookCalls.Select(c => (c.Type, c.Payload.Phase)));
    }
}
