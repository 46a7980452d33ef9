using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Testing.Canaries;
using Flagger.Core.Workloads;
using Xunit;

namespace Flagger.Core.Tests.Analysis;

/// <summary>Flagger's scheduler tests for Deployments (spec §9.1), tick by tick over an in-memory world.</summary>
public sealed class SchedulerScenarioTests
{
    [Fact]
    public async Task Init_FirstTick_CreatesPrimaryAndWaitsForIt()
    {
        var world = Podinfo.World(Podinfo.Canary());

        await world.TickAsync();

        Assert.NotNull(world.Primary);
        Assert.Equal("podinfo:1.0.0", world.Primary!.Image);
        Assert.Equal(CanaryPhase.Initializing, world.Phase);
        Assert.False(world.RouteExists);
        Assert.Contains($"podinfo-primary.test not ready: {InMemoryWorld.NotUpdated}", world.EventMessages);
    }

    [Fact]
    public async Task Init_PrimaryReady_ScalesTargetToZeroRoutesToPrimaryAndIsPromoted()
    {
        var world = Podinfo.World(Podinfo.Canary());

        await world.TicksAsync(2);

        Assert.Equal(CanaryPhase.Initialized, world.Phase);
        Assert.Equal(0, world.Target.Replicas);
        Assert.True(world.RouteExists);
        Assert.Equal((100, 0), (world.PrimaryWeight, world.CanaryWeight));
        Assert.Equal("True", world.Status.Promoted?.Status);
        Assert.Equal("podinfo:1.0.0", world.Status.LastPromotedSpec);
        Assert.Contains(world.Alerts, a => a.Message == "New Deployment detected, initialization completed." && a.Fields["Traffic routing"] == "Weight step: 10 max: 50");
    }

    [Fact]
    public async Task NewRevision_AfterInit_ScalesTargetUpAndProgresses()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary());

        await world.TickAsync();

        Assert.Equal(1, world.Target.Replicas);
        Assert.Equal(CanaryPhase.Progressing, world.Phase);
        Assert.Equal("podinfo:2.0.0", world.Status.LastAppliedSpec);
        Assert.Equal("podinfo:1.0.0", world.Primary!.Image);
        Assert.Contains("New revision detected! Scaling up podinfo.test", world.EventMessages);
    }

    [Fact]
    public async Task Rollback_FailedChecksReachThreshold_FailsRoutesToPrimaryAndScalesDown()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary().WithThreshold(2));
        await world.TicksAsync(2); // detect, then the first step (no metrics on the first analysis tick)
        world.SetMeasurement(CanaryMetric.RequestSuccessRate, 50);

        await world.TicksAsync(2);
        Assert.Equal((CanaryPhase.Progressing, 2), (world.Phase!.Value, world.Status.FailedChecks));

        await world.TickAsync();

        Assert.Equal(CanaryPhase.Failed, world.Phase);
        Assert.Equal((100, 0), (world.PrimaryWeight, world.CanaryWeight));
        Assert.Equal(0, world.Target.Replicas);
        Assert.Equal("podinfo:1.0.0", world.Primary!.Image);
        Assert.Equal("False", world.Status.Promoted?.Status);
        Assert.Contains("Rolling back podinfo.test failed checks threshold reached 2", world.EventMessages);
        Assert.Contains(world.Alerts, a => a.Severity == AlertSeverity.Error && a.Message == "Failed checks threshold reached 2");
    }

    [Fact]
    public async Task PromotionPrimaryNotReady_ProgressDeadlineWhilePromoting_RoutesAllToCanaryAndKeepsIt()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary().WithStepWeight(50).WithStepWeightPromotion(50));
        await world.TickUntilAsync(CanaryPhase.Promoting);
        Assert.Equal((50, 50), (world.PrimaryWeight, world.CanaryWeight));
        world.Primary!.Readiness = Readiness.Failed("progress deadline exceeded");

        await world.TickAsync();

        Assert.Equal(CanaryPhase.Failed, world.Phase);
        Assert.Equal((0, 100), (world.PrimaryWeight, world.CanaryWeight));
        Assert.Equal(100, world.Status.CanaryWeight);
        Assert.Equal(1, world.Target.Replicas);
        Assert.Contains(world.Alerts, a => a.Severity == AlertSeverity.Error && a.Message.StartsWith("Promotion failed, primary not ready", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PromotionFailedAfterTrafficShift_PrimaryFailsWhileFinalising_RoutesBackToCanary()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary());
        await world.TickUntilAsync(CanaryPhase.Finalising);
        Assert.Equal((100, 0), (world.PrimaryWeight, world.CanaryWeight));
        world.Primary!.Readiness = Readiness.Failed("progress deadline exceeded");

        await world.TickAsync();

        Assert.Equal(CanaryPhase.Failed, world.Phase);
        Assert.Equal((0, 100), (world.PrimaryWeight, world.CanaryWeight));
        Assert.Equal(100, world.Status.CanaryWeight);
        Assert.Equal(1, world.Target.Replicas);
    }

    [Fact]
    public async Task SkipAnalysis_NewRevision_PromotesAsSoonAsTheCanaryIsReady()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary().WithSkipAnalysis());

        await world.TickAsync();
        Assert.Equal(CanaryPhase.Progressing, world.Phase);
        await world.TickAsync();

        Assert.Equal(CanaryPhase.Succeeded, world.Phase);
        Assert.Equal("podinfo:2.0.0", world.Primary!.Image);
        Assert.Equal(0, world.Target.Replicas);
        Assert.Empty(world.MeasuredMetrics);
    }

    [Fact]
    public async Task AnalysisPhases_StepWeight100AndPromotionStep50_WalksEveryPhase()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary().WithStepWeight(100).WithMaxWeight(null).WithStepWeightPromotion(50));

        var seen = new List<(CanaryPhase, int)>();
        for (var i = 0; i < 6; i++)
        {
            await world.TickAsync();
            seen.Add((world.Phase!.Value, world.Status.CanaryWeight));
        }

        Assert.Equal(
            [
                (CanaryPhase.Progressing, 0),
                (CanaryPhase.Progressing, 100),
                (CanaryPhase.Promoting, 100),
                (CanaryPhase.Promoting, 50),
                (CanaryPhase.Finalising, 0),
                (CanaryPhase.Succeeded, 0),
            ],
            seen);
    }

    [Fact]
    public async Task BlueGreenAnalysisPhases_OneIteration_ProgressesThreeTicksThenPromotes()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary().WithIterations(1));

        var phases = new List<CanaryPhase>();
        for (var i = 0; i < 6; i++)
        {
            await world.TickAsync();
            phases.Add(world.Phase!.Value);
        }

        Assert.Equal(
            [
                CanaryPhase.Progressing, CanaryPhase.Progressing, CanaryPhase.Progressing,
                CanaryPhase.Promoting, CanaryPhase.Finalising, CanaryPhase.Succeeded,
            ],
            phases);
        Assert.Equal("podinfo:2.0.0", world.Primary!.Image);
    }

    [Fact]
    public async Task NewRevisionReset_ChangeAt90To10_ResetsRoutesAndRestarts()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary());
        await world.TicksAsync(2);
        Assert.Equal((90, 10), (world.PrimaryWeight, world.CanaryWeight));

        world.UpdateTarget("podinfo:3.0.0");
        await world.TickAsync();

        Assert.Equal((100, 0), (world.PrimaryWeight, world.CanaryWeight));
        Assert.Equal(CanaryPhase.Progressing, world.Phase);
        Assert.Equal("podinfo:3.0.0", world.Status.LastAppliedSpec);
        Assert.Contains("New revision detected! Restarting analysis for podinfo.test", world.EventMessages);
    }

    [Fact]
    public async Task Promotion_SpecAndConfigChange_PromotesImageAndConfigsThenSucceeds()
    {
        var world = await Podinfo.InitializedAsync(Podinfo.Canary());
        world.UpdateTarget("podinfo:2.0.0");
        world.TargetConfigs["configmap/podinfo-config-env"] = "new-data";
        world.TargetConfigs["secret/podinfo-secret-env"] = "new-secret";
        await world.TickAsync();
        Assert.Equal(CanaryPhase.Progressing, world.Phase);

        world.SetWeights(60, 40);
        await world.TickAsync();
        Assert.Equal((50, 50), (world.PrimaryWeight, world.CanaryWeight));
        await world.TickAsync();
        Assert.Equal(CanaryPhase.Promoting, world.Phase);
        Assert.Equal("podinfo:2.0.0", world.Primary!.Image);
        Assert.Equal("new-data", world.PrimaryConfigs["configmap/podinfo-config-env"]);
        Assert.Equal("new-secret", world.PrimaryConfigs["secret/podinfo-secret-env"]);

        await world.TickAsync();
        Assert.Equal((CanaryPhase.Finalising, 100, 0), (world.Phase!.Value, world.PrimaryWeight, world.CanaryWeight));
        await world.TickAsync();
        Assert.Equal(CanaryPhase.Succeeded, world.Phase);
        Assert.Equal(0, world.Target.Replicas);
        Assert.Equal("podinfo:2.0.0", world.Status.LastPromotedSpec);
    }

    [Fact]
    public async Task Mirroring_BlueGreen_MirrorsFirstThenRoutesAllTrafficToCanary()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary().WithIterations(2).WithMirror());

        await world.TickUntilAsync(CanaryPhase.Promoting);

        Assert.Equal((100, 0, true), world.RouteHistory[0]);
        Assert.Equal((0, 100, false), world.RouteHistory[1]);
        Assert.Contains("Stop traffic mirroring and route all traffic to canary", world.EventMessages);
        // Analysis ran N + 1 = 3 times (two mirrored iterations, one on live traffic), two metrics each.
        Assert.Equal(6, world.MeasuredMetrics.Count);
    }

    [Fact]
    public async Task ABTesting_TenIterations_RoutesMatchToCanaryThenPromotes()
    {
        var world = await Podinfo.WithNewRevisionAsync(
            Podinfo.Canary().WithIterations(10).WithMatch("x-canary", new StringMatch { Exact = "insider" }));
        await world.TicksAsync(2);
        Assert.Equal((0, 100), (world.PrimaryWeight, world.CanaryWeight));
        Assert.Equal(1, world.Status.Iterations);

        await world.TicksAsync(9);
        Assert.Equal((CanaryPhase.Progressing, 10), (world.Phase!.Value, world.Status.Iterations));
        Assert.Contains("Advance podinfo.test canary iteration 10/10", world.EventMessages);

        await world.TickAsync();
        Assert.Equal(CanaryPhase.Promoting, world.Phase);
        await world.TickAsync();
        Assert.Equal((CanaryPhase.Finalising, 100, 0), (world.Phase!.Value, world.PrimaryWeight, world.CanaryWeight));
        Assert.Equal("podinfo:2.0.0", world.Primary!.Image);
        await world.TickAsync();
        Assert.Equal(CanaryPhase.Succeeded, world.Phase);
    }

    public static TheoryData<int?, int?, int[]?, int[]> WeightTables => new()
    {
        { 20, 50, null, [20, 40, 60] },
        { 50, 100, null, [50, 100] },
        { null, null, [1, 2, 10, 80], [1, 2, 10, 80] },
        { null, null, [1, 2, 10, 200], [1, 2, 10, 100] },
    };

    [Theory]
    [MemberData(nameof(WeightTables))]
    public async Task WeightSchedule_FlaggerServiceTables_CanaryWeightsPerTickUntilPromotion(int? stepWeight, int? maxWeight, int[]? ladder, int[] expected)
    {
        var builder = Podinfo.Canary();
        builder = ladder is null ? builder.WithStepWeight(stepWeight).WithMaxWeight(maxWeight) : builder.WithStepWeights(ladder);
        var world = await Podinfo.WithNewRevisionAsync(builder);

        await world.TickUntilAsync(CanaryPhase.Promoting);

        Assert.Equal(expected, world.RouteHistory.Select(r => r.Canary));
        await world.TickAsync();
        Assert.Equal((100, 0), (world.PrimaryWeight, world.CanaryWeight));
    }

    [Fact]
    public async Task Threshold_FailuresAreCumulative_ASuccessfulTickDoesNotResetThem()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary().WithThreshold(5));
        await world.TicksAsync(2);

        world.SetMeasurement(CanaryMetric.RequestSuccessRate, 50);
        await world.TickAsync();
        world.SetMeasurement(CanaryMetric.RequestSuccessRate, 100);
        await world.TickAsync();
        world.SetMeasurement(CanaryMetric.RequestSuccessRate, 50);
        await world.TickAsync();

        Assert.Equal(2, world.Status.FailedChecks);
        Assert.Equal(20, world.CanaryWeight);
    }

    [Fact]
    public async Task FailedChecks_TwoFailingMetricsInOneTick_CountOnce()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary());
        await world.TicksAsync(2);
        world.SetMeasurement(CanaryMetric.RequestSuccessRate, 50);
        world.SetMeasurement(CanaryMetric.RequestDuration, 5000);

        await world.TickAsync();

        Assert.Equal(1, world.Status.FailedChecks);
        Assert.Equal([CanaryMetric.RequestSuccessRate], world.MeasuredMetrics.TakeLast(1));
        Assert.Contains("Halt podinfo.test advancement success rate 50% < 99%", world.EventMessages);
    }

    [Fact]
    public async Task FirstAnalysisTick_RunsPreRolloutHooksButNoMetrics()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary().WithWebhook(WebhookType.PreRollout, "smoke", "http://tester/smoke"));
        await world.TickAsync();

        await world.TickAsync();

        Assert.Empty(world.MeasuredMetrics);
        Assert.Equal([("pre-rollout", "smoke")], world.HookCalls.Select(c => (c.Type, c.Name)));
        Assert.Equal(10, world.CanaryWeight);
    }

    [Fact]
    public async Task PreRolloutHookFailure_CountsAFailedCheckAndRetriesNextTick()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary().WithWebhook(WebhookType.PreRollout, "smoke", "http://tester/smoke"));
        world.HookAnswers["smoke"] = WebhookResult.Failure("500 Internal Server Error", 500);
        await world.TicksAsync(3);

        Assert.Equal(2, world.Status.FailedChecks);
        Assert.Equal(0, world.CanaryWeight);
        Assert.Contains("Halt podinfo.test advancement pre-rollout check smoke failed 500 Internal Server Error", world.EventMessages);
    }

    [Fact]
    public async Task ConfirmTrafficIncreaseClosed_HaltsWithoutFailedCheck()
    {
        var world = await Podinfo.WithNewRevisionAsync(
            Podinfo.Canary().WithWebhook(WebhookType.ConfirmTrafficIncrease, "gate", "http://tester/gate/check"));
        world.HookAnswers["gate"] = WebhookResult.Failure("Forbidden", 403);

        await world.TicksAsync(3);

        Assert.Equal((0, 0), (world.CanaryWeight, world.Status.FailedChecks));
        Assert.Contains("Halt podinfo.test advancement waiting for traffic increase approval gate", world.EventMessages);
        Assert.Equal(2, world.Alerts.Count(a => a.Message == "Canary traffic increase is waiting for approval."));
    }

    [Fact]
    public async Task ConfirmPromotionClosed_WaitsInWaitingPromotionAndAlertsOnce_ThenPromotesWhenOpen()
    {
        var world = await Podinfo.WithNewRevisionAsync(
            Podinfo.Canary().WithStepWeight(50).WithWebhook(WebhookType.ConfirmPromotion, "approve", "http://tester/gate/check"));
        world.HookAnswers["approve"] = WebhookResult.Failure("Forbidden", 403);

        await world.TicksAsync(5);
        Assert.Equal(CanaryPhase.WaitingPromotion, world.Phase);
        Assert.Single(world.Alerts, a => a.Message == "Canary promotion is waiting for approval.");
        Assert.Equal((50, 50), (world.PrimaryWeight, world.CanaryWeight));

        world.HookAnswers.Remove("approve");
        await world.TickAsync();

        Assert.Equal(CanaryPhase.Promoting, world.Phase);
        Assert.Contains("Confirm-promotion check approve passed", world.EventMessages);
    }

    [Fact]
    public async Task ConfirmRolloutClosed_WaitsWithoutScalingUp_ThenStartsWhenOpen()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary().WithWebhook(WebhookType.ConfirmRollout, "go", "http://tester/gate/check"));
        world.HookAnswers["go"] = WebhookResult.Failure("Forbidden", 403);

        await world.TicksAsync(2);
        Assert.Equal(CanaryPhase.Waiting, world.Phase);
        Assert.Equal(0, world.Target.Replicas);
        Assert.Single(world.Alerts, a => a.Message == "Canary is waiting for approval.");
        Assert.All(world.HookCalls, c => Assert.Contains(c.Payload.Phase, new[] { "Initialized", "Waiting" }));

        world.HookAnswers.Remove("go");
        await world.TickAsync();

        Assert.Equal(CanaryPhase.Progressing, world.Phase);
        Assert.Equal(1, world.Target.Replicas);
    }

    [Fact]
    public async Task RouteNotReady_StopsTheTickWithoutFailedCheck()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary());
        await world.TickAsync();
        world.RouteNotReady = "HTTPRoute podinfo.test parent gateway-system/public is not ready";

        await world.TicksAsync(2);

        Assert.Equal((0, 0), (world.CanaryWeight, world.Status.FailedChecks));
        Assert.Contains(world.RouteNotReady, world.EventMessages);
    }

    [Fact]
    public async Task CanaryNotReady_Retriable_WaitsWithoutFailedCheck()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary());
        world.AutoReady = false;
        await world.TicksAsync(3);

        Assert.Equal((CanaryPhase.Progressing, 0, 0), (world.Phase!.Value, world.CanaryWeight, world.Status.FailedChecks));
        Assert.Contains($"podinfo.test not ready: {InMemoryWorld.NotUpdated}", world.EventMessages);

        world.MakeCanaryReady();
        await world.TickAsync();
        Assert.Equal(10, world.CanaryWeight);
    }

    [Fact]
    public async Task Suspend_RecordsAnEventAndChangesNothing()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary());
        world.Canary.Spec.Suspend = true;
        var writes = world.StatusWrites.Count;

        await world.TicksAsync(2);

        Assert.Equal(CanaryPhase.Initialized, world.Phase);
        Assert.Equal(writes, world.StatusWrites.Count);
        Assert.Equal(0, world.Target.Replicas);
        Assert.Equal("skipping canary run as object is suspended", world.Events[^1].Message);
    }

    [Fact]
    public async Task Idle_NoChange_WritesNoStatus()
    {
        var world = await Podinfo.InitializedAsync(Podinfo.Canary());
        var writes = world.StatusWrites.Count;

        await world.TicksAsync(3);

        Assert.Equal(writes, world.StatusWrites.Count);
        Assert.Equal(CanaryPhase.Initialized, world.Phase);
    }

    [Fact]
    public async Task ConfigChangeAlone_StartsARun()
    {
        var world = await Podinfo.InitializedAsync(Podinfo.Canary());
        world.TargetConfigs["configmap/podinfo-config"] = "changed";

        await world.TickAsync();

        Assert.Equal(CanaryPhase.Progressing, world.Phase);
        Assert.Equal("changed", world.Status.TrackedConfigs!["configmap/podinfo-config"]);
    }

    [Fact]
    public async Task ManualRollbackToPromotedSpec_StartsNoRun_AndReapplyingTheFailedRevisionDoes()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary().WithThreshold(1));
        await world.TicksAsync(2);
        world.SetMeasurement(CanaryMetric.RequestSuccessRate, 10);
        await world.TickUntilAsync(CanaryPhase.Failed);

        world.UpdateTarget("podinfo:1.0.0");
        await world.TickAsync();
        Assert.Equal(CanaryPhase.Failed, world.Phase);
        Assert.Equal("podinfo:1.0.0", world.Status.LastAppliedSpec);

        world.UpdateTarget("podinfo:2.0.0");
        await world.TickAsync();
        Assert.Equal(CanaryPhase.Progressing, world.Phase);
    }

    [Fact]
    public async Task WebhookPayload_CarriesNamePhaseChecksumAndMetadata()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary()
            .WithWebhook(WebhookType.PreRollout, "smoke", "http://tester/smoke", new Dictionary<string, string> { ["cmd"] = "curl podinfo-canary" }));
        await world.TicksAsync(2);

        var payload = Assert.Single(world.HookCalls).Payload;
        Assert.Equal(("podinfo", "test", "Progressing"), (payload.Name, payload.Namespace, payload.Phase));
        Assert.Equal(CheckRunner.Checksum(world.Status), payload.Checksum);
        Assert.Equal("curl podinfo-canary", payload.Metadata!["cmd"]);
    }
}
