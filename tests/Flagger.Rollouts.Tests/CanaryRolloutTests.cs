using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Testing.Canaries;

namespace Flagger.Rollouts.Tests;

/// <summary>The canary orchestration end to end on the in-process Durable Task host, over the in-memory world.</summary>
public sealed class CanaryRolloutTests
{
    private static CanaryBuilder Canary() => Podinfo.Canary().WithStepWeight(25).WithMaxWeight(50).WithThreshold(2);

    private static async Task<RolloutHost> InitializedAsync(CanaryBuilder builder)
    {
        var host = await RolloutHost.StartAsync(new InMemoryWorld(builder.Build()));
        await host.StartAsync();
        await host.CompletedAsync();
        Assert.Equal(CanaryPhase.Initialized, host.Phase);
        return host;
    }

    [Fact]
    public async Task NewImage_RunsToSucceeded_OneActivityPerTick_AndEnds()
    {
        await using var host = await InitializedAsync(Canary());
        host.World.UpdateTarget("podinfo:2.0.0");
        host.Activities.Clear();
        var recordedBefore = (await host.Store.GetHistoryAsync("test", "podinfo", 100, null, CancellationToken.None)).Entries.Count;

        await host.StartAsync();
        await host.CompletedAsync();

        Assert.Equal(CanaryPhase.Succeeded, host.Phase);
        Assert.Equal("podinfo:2.0.0", host.World.Primary!.Image);
        Assert.Equal(0, host.World.Target.Replicas);
        var history = await host.Store.GetHistoryAsync("test", "podinfo", 100, null, CancellationToken.None);
        Assert.All(host.Activities, a => Assert.Equal(Rollouts.CanaryRollout.Tick, a));
        // Every tick that acted left a history entry; idle wakes (a timer early by up to a second) record none.
        Assert.InRange(history.Entries.Count - recordedBefore, host.Activities.Count - 2, host.Activities.Count);
        Assert.Equal(CanaryPhase.Succeeded, history.Entries[0].Phase);
        Assert.Contains(history.Entries, e => e.Checks.Any(c => c.Name == CanaryMetric.RequestSuccessRate && c.Value == 100));
        Assert.Equal(history.Entries.Count, history.Entries.Select(e => e.Sequence).Distinct().Count());
    }

    [Fact]
    public async Task FailingMetric_RollsBackAndEndsFailed()
    {
        await using var host = await InitializedAsync(Canary());
        host.World.UpdateTarget("podinfo:2.0.0");
        host.World.SetMeasurement(CanaryMetric.RequestSuccessRate, 10);

        await host.StartAsync();
        await host.CompletedAsync();

        Assert.Equal(CanaryPhase.Failed, host.Phase);
        Assert.Equal("podinfo:1.0.0", host.World.Primary!.Image);
        Assert.Contains(host.World.Alerts, a => a.Severity == AlertSeverity.Error);
    }

    [Fact]
    public async Task ConfirmPromotionGate_WaitsUntilOpened_ThenPromotes()
    {
        await using var host = await InitializedAsync(Canary().WithWebhook(WebhookType.ConfirmPromotion, "approve", "http://flagger/gate/check"));
        host.World.HookAnswers["approve"] = WebhookResult.Failure("Forbidden", 403);
        host.World.UpdateTarget("podinfo:2.0.0");

        await host.StartAsync();
        await host.UntilAsync(() => host.Phase == CanaryPhase.WaitingPromotion);
        host.World.HookAnswers.Remove("approve");
        await host.CompletedAsync();

        Assert.Equal(CanaryPhase.Succeeded, host.Phase);
    }

    [Fact]
    public async Task Abort_Signalled_RollsBackAtOnce()
    {
        await using var host = await InitializedAsync(Canary().WithWebhook(WebhookType.ConfirmPromotion, "approve", "http://flagger/gate/check"));
        host.World.HookAnswers["approve"] = WebhookResult.Failure("Forbidden", 403);
        host.World.UpdateTarget("podinfo:2.0.0");
        await host.StartAsync();
        await host.UntilAsync(() => host.Phase == CanaryPhase.WaitingPromotion);

        await host.SignalAsync(CanaryOperationKind.Abort);
        await host.CompletedAsync();

        Assert.Equal(CanaryPhase.Failed, host.Phase);
        Assert.Contains("Rolling back podinfo.test aborted by tester", host.World.EventMessages);
        var history = await host.Store.GetHistoryAsync("test", "podinfo", 100, null, CancellationToken.None);
        Assert.Contains(history.Entries, e => e.Operations.Any(o => o.Kind == CanaryOperationKind.Abort && o.By == "tester"));
    }

    [Fact]
    public async Task Retry_AfterFailure_StartsANewRunOfTheSameRevision()
    {
        await using var host = await InitializedAsync(Canary());
        host.World.UpdateTarget("podinfo:2.0.0");
        host.World.SetMeasurement(CanaryMetric.RequestSuccessRate, 10);
        await host.StartAsync();
        await host.CompletedAsync();
        Assert.Equal(CanaryPhase.Failed, host.Phase);
        host.World.SetMeasurement(CanaryMetric.RequestSuccessRate, 100);

        await host.SignalAsync(CanaryOperationKind.Retry);
        await host.CompletedAsync();

        Assert.Equal(CanaryPhase.Succeeded, host.Phase);
        Assert.Equal("podinfo:2.0.0", host.World.Primary!.Image);
    }

    [Fact]
    public async Task PauseAndResume_FreezeThenContinue()
    {
        await using var host = await InitializedAsync(Canary().WithWebhook(WebhookType.ConfirmTrafficIncrease, "more", "http://flagger/gate/check"));
        // The gate holds the canary at its first step, so the test never races the rollout past the point it pauses at.
        host.World.HookAnswers["more"] = WebhookResult.Failure("Forbidden", 403);
        host.World.UpdateTarget("podinfo:2.0.0");
        await host.StartAsync();
        await host.UntilAsync(() => host.World.HookCalls.Count > 0);

        await host.SignalAsync(CanaryOperationKind.Pause);
        await host.UntilAsync(() => host.World.Status.Paused);
        var frozenAt = host.World.CanaryWeight;
        host.World.HookAnswers.Remove("more");
        await Task.Delay(RolloutHost.Interval * 10);
        Assert.Equal(frozenAt, host.World.CanaryWeight);
        Assert.Equal(CanaryPhase.Progressing, host.Phase);

        await host.SignalAsync(CanaryOperationKind.Resume);
        await host.CompletedAsync();
        Assert.Equal(CanaryPhase.Succeeded, host.Phase);
    }

    [Fact]
    public async Task NewImageMidRun_RestartsTheAnalysisAndPromotesTheNewest()
    {
        await using var host = await InitializedAsync(Canary().WithWebhook(WebhookType.ConfirmPromotion, "approve", "http://flagger/gate/check"));
        host.World.HookAnswers["approve"] = WebhookResult.Failure("Forbidden", 403);
        host.World.UpdateTarget("podinfo:2.0.0");
        await host.StartAsync();
        await host.UntilAsync(() => host.Phase == CanaryPhase.WaitingPromotion);

        host.World.UpdateTarget("podinfo:3.0.0");
        await host.Scheduler.StartOrSignalAsync("test", "podinfo", RolloutSignal.NewImage, CancellationToken.None);
        await host.UntilAsync(() => host.World.EventMessages.Contains("New revision detected! Restarting analysis for podinfo.test"));
        host.World.HookAnswers.Remove("approve");
        await host.CompletedAsync();

        Assert.Equal("podinfo:3.0.0", host.World.Primary!.Image);
    }
}
