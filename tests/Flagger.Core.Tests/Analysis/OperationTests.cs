using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Testing.Canaries;
using Xunit;

namespace Flagger.Core.Tests.Analysis;

/// <summary>Run-time operations (ours): promote, abort, retry, pause, resume.</summary>
public sealed class OperationTests
{
    [Fact]
    public async Task Promote_WhileProgressing_SkipsTheRestOfTheAnalysisAndFinishes()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary()
            .WithWebhook(WebhookType.ConfirmPromotion, "approve", "http://tester/gate/check"));
        world.HookAnswers["approve"] = WebhookResult.Failure("Forbidden", 403);
        await world.TicksAsync(2);
        Assert.Equal(10, world.CanaryWeight);

        world.Ask(CanaryOperationKind.Promote);
        await world.TickAsync();

        Assert.Equal(CanaryPhase.Promoting, world.Phase);
        Assert.Equal("podinfo:2.0.0", world.Primary!.Image);
        await world.TickUntilAsync(CanaryPhase.Succeeded, 3);
        Assert.Equal((100, 0), (world.PrimaryWeight, world.CanaryWeight));
    }

    [Fact]
    public async Task Abort_WhileProgressing_RollsBackAtOnceWithAnErrorAlertNamingWhoAsked()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary());
        await world.TicksAsync(3);
        world.AutoReady = false;
        world.Target.Readiness = Flagger.Core.Workloads.Readiness.Waiting("waiting for rollout to finish: 0 of 1 updated replicas are available");

        world.Ask(CanaryOperationKind.Abort);
        await world.TickAsync();

        Assert.Equal(CanaryPhase.Failed, world.Phase);
        Assert.Equal((100, 0, 0), (world.PrimaryWeight, world.CanaryWeight, world.Target.Replicas));
        Assert.Contains(world.Alerts, a => a.Severity == AlertSeverity.Error && a.Message == "Rolling back: aborted by tester");
    }

    [Fact]
    public async Task Retry_AfterFailure_RunsTheSameRevisionAgainWithoutASpecChange()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary().WithThreshold(1));
        await world.TicksAsync(2);
        world.SetMeasurement(CanaryMetric.RequestSuccessRate, 1);
        await world.TickUntilAsync(CanaryPhase.Failed);
        world.SetMeasurement(CanaryMetric.RequestSuccessRate, 100);
        await world.TicksAsync(2);
        Assert.Equal(CanaryPhase.Failed, world.Phase);

        world.Ask(CanaryOperationKind.Retry);
        await world.TickAsync();

        Assert.Equal(CanaryPhase.Progressing, world.Phase);
        Assert.Equal(1, world.Target.Replicas);
        await world.TickUntilAsync(CanaryPhase.Succeeded);
        Assert.Equal("podinfo:2.0.0", world.Primary!.Image);
    }

    [Fact]
    public async Task PauseThenResume_FreezesTheWeightsThenCarriesOn()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary());
        await world.TicksAsync(2);

        world.Ask(CanaryOperationKind.Pause);
        await world.TicksAsync(3);
        Assert.Equal((10, true), (world.CanaryWeight, world.Status.Paused));

        world.Ask(CanaryOperationKind.Resume);
        await world.TickAsync();
        Assert.Equal((20, false), (world.CanaryWeight, world.Status.Paused));
    }

    [Theory]
    [InlineData(CanaryOperationKind.Promote, CanaryPhase.Succeeded, "promote needs a canary in Progressing or WaitingPromotion, not Succeeded")]
    [InlineData(CanaryOperationKind.Abort, CanaryPhase.Promoting, "abort needs a canary in Waiting, Progressing or WaitingPromotion, not Promoting")]
    [InlineData(CanaryOperationKind.Retry, CanaryPhase.Progressing, "retry needs a canary in Failed, not Progressing")]
    [InlineData(CanaryOperationKind.Resume, CanaryPhase.Progressing, "the canary is not paused")]
    public void WhyNot_OperationIllegalInThePhase_SaysWhy(CanaryOperationKind kind, CanaryPhase phase, string reason)
    {
        Assert.Equal(reason, CanaryOperations.WhyNot(kind, new CanaryStatus { Phase = phase, LastAppliedSpec = "a", LastPromotedSpec = "b" }));
    }

    [Fact]
    public async Task IllegalOperation_IsRefusedWithAnEventAndChangesNothing()
    {
        var world = await Podinfo.InitializedAsync(Podinfo.Canary());

        world.Ask(CanaryOperationKind.Abort);
        await world.TickAsync();

        Assert.Equal(CanaryPhase.Initialized, world.Phase);
        Assert.Contains("Operation Abort on podinfo.test refused: abort needs a canary in Waiting, Progressing or WaitingPromotion, not Initialized", world.EventMessages);
    }
}
