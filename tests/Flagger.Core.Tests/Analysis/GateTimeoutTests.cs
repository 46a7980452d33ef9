using System.Text.Json;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Testing.Canaries;
using Xunit;

namespace Flagger.Core.Tests.Analysis;

/// <summary>
/// Ours (Flagger issues #1450, #1578): a confirm gate closed longer than <c>flagger-functions.io/gate-timeout</c>
/// ends the run. The interval is 1m, so each tick is a minute later; the timeout is 3m.
/// </summary>
public sealed class GateTimeoutTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(3);
    private static readonly WebhookResult s_closed = WebhookResult.Failure("Forbidden", 403);

    private static CanaryBuilder Canary(string gate, string? timeout = "3m")
    {
        var canary = Podinfo.Canary()
            .WithWebhook(gate, "gate", "http://tester/gate/check")
            .WithWebhook(WebhookType.PostRollout, "notify", "http://tester/notify");
        return timeout is null ? canary : canary.WithAnnotation(GateTimeoutAnnotation.Name, timeout);
    }

    /// <summary>Ticks until a tick finds the gate closed and starts timing it; returns that tick's time.</summary>
    private static async Task<DateTimeOffset> TickUntilTimedAsync(InMemoryWorld world, string gate, int limit = 10)
    {
        for (var i = 0; i < limit; i++)
        {
            await world.TickAsync();
            if (world.Status.GateWait is { } wait)
            {
                Assert.Equal(gate, wait.Gate);
                return wait.Since;
            }
        }

        throw new InvalidOperationException($"no tick found {gate} closed in {limit} ticks; phase {world.Phase}");
    }

    private static void AssertEndedWithAlert(InMemoryWorld world, string message)
    {
        Assert.Equal(CanaryPhase.Failed, world.Phase);
        Assert.Equal((100, 0, 0), (world.PrimaryWeight, world.CanaryWeight, world.Target.Replicas));
        Assert.Single(world.Alerts, a => a.Severity == AlertSeverity.Error && a.Message == message);
        Assert.Contains(world.HookCalls, c => c.Type == WebhookType.PostRollout && c.Payload.Phase == "Failed");
        Assert.Contains("Canary failed! Scaling down podinfo.test", world.EventMessages);
        Assert.Null(world.Status.GateWait);
    }

    [Fact]
    public async Task ConfirmRollout_ClosedLongerThanTheTimeout_FailsTheRolloutWithoutScalingUp()
    {
        var world = await Podinfo.WithNewRevisionAsync(Canary(WebhookType.ConfirmRollout));
        world.HookAnswers["gate"] = s_closed;

        var since = await TickUntilTimedAsync(world, WebhookType.ConfirmRollout);
        await world.TicksAsync(3);
        Assert.Equal((CanaryPhase.Waiting, since), (world.Phase, world.Status.GateWait?.Since));
        await world.TickAsync();

        AssertEndedWithAlert(world, "Gate confirm-rollout (gate) closed for 4m0s, longer than flagger-functions.io/gate-timeout 3m: the rollout fails");
        Assert.Contains(world.Events, e => e.Severity == EventSeverity.Warning &&
            e.Message == "Gate confirm-rollout (gate) of podinfo.test closed for 4m0s, longer than flagger-functions.io/gate-timeout 3m: the rollout fails");
        Assert.DoesNotContain(world.EventMessages, m => m.StartsWith("New revision detected! Scaling up", StringComparison.Ordinal));

        // The revision that timed out is the failed one: it does not wait again (a new push or retry runs it).
        await world.TicksAsync(3);
        Assert.Equal(CanaryPhase.Failed, world.Phase);
    }

    [Fact]
    public async Task ConfirmRollout_ANewRevisionPushedDuringTheWait_WaitsAfresh()
    {
        var world = await Podinfo.WithNewRevisionAsync(Canary(WebhookType.ConfirmRollout));
        world.HookAnswers["gate"] = s_closed;
        var first = await TickUntilTimedAsync(world, WebhookType.ConfirmRollout);
        await world.TicksAsync(2);

        world.UpdateTarget("podinfo:3.0.0");
        await world.TickAsync();
        Assert.Equal(first + TimeSpan.FromMinutes(3), world.Status.GateWait!.Since);
        await world.TicksAsync(3);

        Assert.Equal(CanaryPhase.Waiting, world.Phase);
    }

    [Fact]
    public async Task ConfirmTrafficIncrease_ClosedLongerThanTheTimeout_RollsBack()
    {
        var world = await Podinfo.WithNewRevisionAsync(Canary(WebhookType.ConfirmTrafficIncrease));
        for (var i = 0; i < 5 && world.CanaryWeight < 10; i++)
        {
            await world.TickAsync();
        }

        Assert.Equal(10, world.CanaryWeight);

        world.HookAnswers["gate"] = s_closed;

        await TickUntilTimedAsync(world, WebhookType.ConfirmTrafficIncrease);
        await world.TicksAsync(3);
        Assert.Equal((CanaryPhase.Progressing, 10), (world.Phase, world.CanaryWeight));
        await world.TickAsync();

        AssertEndedWithAlert(world, "Gate confirm-traffic-increase (gate) closed for 4m0s, longer than flagger-functions.io/gate-timeout 3m: rolling back");
        Assert.Equal((100, 0, false), world.RouteHistory[^1]);
    }

    [Fact]
    public async Task ConfirmPromotion_ClosedLongerThanTheTimeout_RollsBackFromWaitingPromotion()
    {
        var world = await Podinfo.WithNewRevisionAsync(Canary(WebhookType.ConfirmPromotion).WithStepWeight(50));
        world.HookAnswers["gate"] = s_closed;

        await TickUntilTimedAsync(world, WebhookType.ConfirmPromotion);
        await world.TicksAsync(3);
        Assert.Equal((CanaryPhase.WaitingPromotion, 50), (world.Phase, world.CanaryWeight));
        await world.TickAsync();

        AssertEndedWithAlert(world, "Gate confirm-promotion (gate) closed for 4m0s, longer than flagger-functions.io/gate-timeout 3m: rolling back");
        Assert.Equal("podinfo:1.0.0", world.Primary!.Image);
    }

    [Fact]
    public async Task ConfirmPromotion_ClosedExactlyTheTimeout_StillWaits_OneSecondMore_RollsBack()
    {
        var world = await Podinfo.WithNewRevisionAsync(Canary(WebhookType.ConfirmPromotion).WithStepWeight(50));
        world.HookAnswers["gate"] = s_closed;
        var since = await TickUntilTimedAsync(world, WebhookType.ConfirmPromotion);

        world.Now = since + s_timeout;
        await world.TickAsync();
        Assert.Equal(CanaryPhase.WaitingPromotion, world.Phase);

        world.Now = since + s_timeout + TimeSpan.FromSeconds(1);
        await world.TickAsync();
        Assert.Equal(CanaryPhase.Failed, world.Phase);
        Assert.Contains(world.Alerts, a => a.Message == "Gate confirm-promotion (gate) closed for 3m1s, longer than flagger-functions.io/gate-timeout 3m: rolling back");
    }

    [Fact]
    public async Task ConfirmPromotion_OpeningAtTheDeadline_Promotes()
    {
        var world = await Podinfo.WithNewRevisionAsync(Canary(WebhookType.ConfirmPromotion).WithStepWeight(50));
        world.HookAnswers["gate"] = s_closed;
        var since = await TickUntilTimedAsync(world, WebhookType.ConfirmPromotion);

        world.HookAnswers.Remove("gate");
        world.Now = since + s_timeout;
        await world.TickAsync();

        Assert.Equal(CanaryPhase.Promoting, world.Phase);
        Assert.Null(world.Status.GateWait);
        await world.TickUntilAsync(CanaryPhase.Succeeded, 5);
        Assert.DoesNotContain(world.Alerts, a => a.Severity == AlertSeverity.Error);
    }

    [Fact]
    public async Task ConfirmPromotion_TheNextRunsWait_IsTimedFromItsOwnStart()
    {
        var world = await Podinfo.WithNewRevisionAsync(Canary(WebhookType.ConfirmPromotion).WithStepWeight(50));
        world.HookAnswers["gate"] = s_closed;
        var first = await TickUntilTimedAsync(world, WebhookType.ConfirmPromotion);
        await world.TicksAsync(2);
        world.HookAnswers.Remove("gate");
        await world.TickUntilAsync(CanaryPhase.Succeeded, 5);
        Assert.Null(world.Status.GateWait);

        world.UpdateTarget("podinfo:3.0.0");
        world.HookAnswers["gate"] = s_closed;
        var second = await TickUntilTimedAsync(world, WebhookType.ConfirmPromotion);
        Assert.True(second - first > s_timeout);
        await world.TicksAsync(3);
        Assert.Equal(CanaryPhase.WaitingPromotion, world.Phase);
        await world.TickAsync();

        Assert.Equal(CanaryPhase.Failed, world.Phase);
        Assert.Equal("podinfo:2.0.0", world.Primary!.Image);
    }

    [Fact]
    public async Task ConfirmTrafficIncrease_EachStepsWait_IsTimedOnItsOwn()
    {
        var world = await Podinfo.WithNewRevisionAsync(Canary(WebhookType.ConfirmTrafficIncrease));
        world.HookAnswers["gate"] = s_closed;
        var first = await TickUntilTimedAsync(world, WebhookType.ConfirmTrafficIncrease);
        await world.TicksAsync(3);
        Assert.Equal(0, world.CanaryWeight);

        world.HookAnswers.Remove("gate");
        await world.TickAsync();
        Assert.Equal(10, world.CanaryWeight);
        Assert.Null(world.Status.GateWait);

        world.HookAnswers["gate"] = s_closed;
        var second = await TickUntilTimedAsync(world, WebhookType.ConfirmTrafficIncrease);
        Assert.True(second - first > s_timeout);
        await world.TicksAsync(3);
        Assert.Equal((CanaryPhase.Progressing, 10), (world.Phase, world.CanaryWeight));
        await world.TickAsync();

        Assert.Equal(CanaryPhase.Failed, world.Phase);
    }

    [Fact]
    public async Task WithoutTheAnnotation_AClosedGateWaitsForeverAndNothingIsTimed()
    {
        var world = await Podinfo.WithNewRevisionAsync(Canary(WebhookType.ConfirmPromotion, timeout: null).WithStepWeight(50));
        world.HookAnswers["gate"] = s_closed;
        await world.TickUntilAsync(CanaryPhase.WaitingPromotion, 5);

        world.Now += TimeSpan.FromDays(30);
        await world.TicksAsync(2);

        Assert.Equal(CanaryPhase.WaitingPromotion, world.Phase);
        Assert.DoesNotContain(world.Alerts, a => a.Severity == AlertSeverity.Error);
        Assert.All(world.StatusWrites, s => Assert.Null(s.GateWait));
    }

    [Fact]
    public async Task Promote_AfterTheDeadline_PromotesAsToday()
    {
        var world = await Podinfo.WithNewRevisionAsync(Canary(WebhookType.ConfirmPromotion).WithStepWeight(50));
        world.HookAnswers["gate"] = s_closed;
        var since = await TickUntilTimedAsync(world, WebhookType.ConfirmPromotion);

        world.Now = since + TimeSpan.FromHours(1);
        world.Ask(CanaryOperationKind.Promote);
        await world.TickAsync();

        Assert.Equal(CanaryPhase.Promoting, world.Phase);
        Assert.Null(world.Status.GateWait);
        await world.TickUntilAsync(CanaryPhase.Succeeded, 5);
        Assert.Equal("podinfo:2.0.0", world.Primary!.Image);
    }

    [Fact]
    public async Task Resume_RestartsTheWait_SoTheTimePausedIsNotCounted()
    {
        var world = await Podinfo.WithNewRevisionAsync(Canary(WebhookType.ConfirmPromotion).WithStepWeight(50));
        world.HookAnswers["gate"] = s_closed;
        var since = await TickUntilTimedAsync(world, WebhookType.ConfirmPromotion);
        world.Ask(CanaryOperationKind.Pause);
        await world.TickAsync();

        world.Now = since + TimeSpan.FromHours(1);
        world.Ask(CanaryOperationKind.Resume);
        await world.TickAsync();

        Assert.Equal(CanaryPhase.WaitingPromotion, world.Phase);
        Assert.Equal(since + TimeSpan.FromHours(1), world.Status.GateWait!.Since);
    }

    [Theory]
    [InlineData("2 hours", "\"2 hours\" is not a duration (Go syntax such as 30m, 2h or 1h30m; 0 for no limit); ignored, as if absent")]
    [InlineData("-5m", "must not be negative (0 for no limit); ignored, as if absent")]
    public void InvalidAnnotation_IsAWarningNamingIt(string value, string message)
    {
        var validation = CanaryValidator.Validate(Podinfo.Canary().WithAnnotation(GateTimeoutAnnotation.Name, value).Build());

        Assert.True(validation.IsValid);
        var problem = Assert.Single(validation.Warnings);
        Assert.Equal(("metadata.annotations[flagger-functions.io/gate-timeout]", message), (problem.Field, problem.Message));
    }

    [Fact]
    public async Task InvalidAnnotation_TheCanaryRunsAndItsGateWaitsForever()
    {
        var world = await Podinfo.WithNewRevisionAsync(Canary(WebhookType.ConfirmPromotion, timeout: "2 hours").WithStepWeight(50));
        world.HookAnswers["gate"] = s_closed;
        await world.TickUntilAsync(CanaryPhase.WaitingPromotion, 5);

        world.Now += TimeSpan.FromDays(1);
        await world.TickAsync();

        Assert.Equal(CanaryPhase.WaitingPromotion, world.Phase);
        Assert.Null(world.Status.GateWait);
        Assert.Contains(world.Status.Conditions!, c => c.Type == ValidatedCondition.Type && c.Reason == "ValidWithWarnings");
    }

    [Fact]
    public async Task HostDefault_WithoutTheAnnotation_RollsBackNamingTheDefault()
    {
        var world = await Podinfo.WithNewRevisionAsync(Canary(WebhookType.ConfirmPromotion, timeout: null).WithStepWeight(50));
        world.DefaultGateTimeout = s_timeout;
        world.HookAnswers["gate"] = s_closed;

        await TickUntilTimedAsync(world, WebhookType.ConfirmPromotion);
        await world.TicksAsync(4);

        AssertEndedWithAlert(world, "Gate confirm-promotion (gate) closed for 4m0s, longer than the default gate timeout 3m0s: rolling back");
    }

    [Fact]
    public async Task TheAnnotation_OverridesTheHostDefault()
    {
        var world = await Podinfo.WithNewRevisionAsync(Canary(WebhookType.ConfirmPromotion, timeout: "10m").WithStepWeight(50));
        world.DefaultGateTimeout = s_timeout;
        world.HookAnswers["gate"] = s_closed;
        var since = await TickUntilTimedAsync(world, WebhookType.ConfirmPromotion);

        world.Now = since + TimeSpan.FromMinutes(10);
        await world.TickAsync();
        Assert.Equal(CanaryPhase.WaitingPromotion, world.Phase);
        await world.TickAsync();

        Assert.Equal(CanaryPhase.Failed, world.Phase);
        Assert.Contains(world.Alerts, a => a.Message == "Gate confirm-promotion (gate) closed for 11m0s, longer than flagger-functions.io/gate-timeout 10m: rolling back");
    }

    [Fact]
    public async Task AnnotationZero_OptsOutOfTheHostDefault()
    {
        var world = await Podinfo.WithNewRevisionAsync(Canary(WebhookType.ConfirmPromotion, timeout: "0").WithStepWeight(50));
        world.DefaultGateTimeout = s_timeout;
        world.HookAnswers["gate"] = s_closed;
        await world.TickUntilAsync(CanaryPhase.WaitingPromotion, 5);

        world.Now += TimeSpan.FromDays(1);
        await world.TicksAsync(2);

        Assert.Equal(CanaryPhase.WaitingPromotion, world.Phase);
        Assert.All(world.StatusWrites, s => Assert.Null(s.GateWait));
        Assert.Empty(CanaryValidator.Validate(world.Canary).All);
    }

    [Fact]
    public void ValidAnnotation_IsNoProblem()
    {
        var canary = Podinfo.Canary().WithAnnotation(GateTimeoutAnnotation.Name, " 1h30m ").Build();

        Assert.Empty(CanaryValidator.Validate(canary).All);
        Assert.Equal(TimeSpan.FromMinutes(90), GateTimeoutAnnotation.Timeout(canary));
    }

    [Fact]
    public async Task TheTimedOutTick_DecidedTwiceFromTheSameObservation_DecidesTheSame()
    {
        var world = await Podinfo.WithNewRevisionAsync(Canary(WebhookType.ConfirmPromotion).WithStepWeight(50));
        world.HookAnswers["gate"] = s_closed;
        var since = await TickUntilTimedAsync(world, WebhookType.ConfirmPromotion);
        world.Now = since + TimeSpan.FromMinutes(5);

        var observation = (await new CanaryObserver(world, world).ObserveAsync("test", "podinfo", world.Now, default))!;
        var plan = CanaryTick.Plan(observation).Plan!;
        var report = await new CheckRunner(world, world).RunAsync(observation.Canary, plan, default);
        var first = CanaryTick.Decide(observation, report);
        var again = CanaryTick.Decide(observation, report);

        Assert.Equal(CanaryPhase.Failed, first.NextStatus?.Phase);
        Assert.Equal(first.Actions.Select(a => a.ToString()), again.Actions.Select(a => a.ToString()));
        Assert.Equal(JsonSerializer.Serialize(first.NextStatus), JsonSerializer.Serialize(again.NextStatus));
        Assert.Contains(first.Actions.OfType<SendAlert>(), a => a.Message.Contains("closed for 5m0s", StringComparison.Ordinal));
    }
}
