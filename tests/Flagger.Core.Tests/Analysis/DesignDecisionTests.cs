using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Testing.Canaries;
using Flagger.Core.Workloads;
using Xunit;

namespace Flagger.Core.Tests.Analysis;

/// <summary>Each departure from Flagger listed in DESIGN.md §3 that lives in the tick.</summary>
public sealed class DesignDecisionTests
{
    [Fact]
    public async Task RollbackHooks_WhileWaitingForConfirmRollout_RollBack()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary()
            .WithWebhook(WebhookType.ConfirmRollout, "go", "http://tester/gate/check")
            .WithWebhook(WebhookType.Rollback, "abort", "http://tester/rollback/check"));
        world.HookAnswers["go"] = WebhookResult.Failure("Forbidden", 403);
        world.HookAnswers["abort"] = WebhookResult.Failure("Forbidden", 403);
        await world.TicksAsync(2);
        Assert.Equal(CanaryPhase.Waiting, world.Phase);

        world.HookAnswers.Remove("abort");
        await world.TickAsync();

        Assert.Equal(CanaryPhase.Failed, world.Phase);
        Assert.Contains("Rolling back podinfo.test manual webhook invoked", world.EventMessages);
        Assert.Equal("podinfo:2.0.0", world.Status.LastAppliedSpec);
        Assert.Equal("podinfo:1.0.0", world.Primary!.Image);
    }

    [Fact]
    public async Task RollbackHooks_WhileProgressing_RollBackWithErrorAlert()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary().WithWebhook(WebhookType.Rollback, "abort", "http://tester/rollback/check"));
        world.HookAnswers["abort"] = WebhookResult.Failure("Forbidden", 403);
        await world.TicksAsync(3);
        Assert.Equal(20, world.CanaryWeight);

        world.HookAnswers.Remove("abort");
        await world.TickAsync();

        Assert.Equal(CanaryPhase.Failed, world.Phase);
        Assert.Equal((100, 0), (world.PrimaryWeight, world.CanaryWeight));
        Assert.Contains(world.Alerts, a => a.Severity == AlertSeverity.Error && a.Message == "Rolling back manual webhook invoked");
    }

    [Fact]
    public async Task ProgressDeadline_CanaryNeverBecomesReady_RollsBackWithErrorAlert()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary());
        await world.TickAsync();
        world.Target.Readiness = Readiness.Failed("progress deadline exceeded");

        await world.TickAsync();

        Assert.Equal(CanaryPhase.Failed, world.Phase);
        Assert.Equal(0, world.Target.Replicas);
        Assert.Contains(world.Alerts, a => a.Severity == AlertSeverity.Error && a.Message.StartsWith("Progress deadline exceeded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task InitializationFailure_PrimaryPastDeadline_FailsWithErrorAlertWithoutTouchingRoutes()
    {
        var world = Podinfo.World(Podinfo.Canary());
        await world.TickAsync();
        world.Primary!.Readiness = Readiness.Failed("progress deadline exceeded");

        await world.TickAsync();

        Assert.Equal(CanaryPhase.Failed, world.Phase);
        Assert.False(world.RouteExists);
        Assert.Empty(world.RouteHistory);
        Assert.Contains(world.Alerts, a => a.Severity == AlertSeverity.Error);
    }

    [Fact]
    public async Task EveryPathToFailed_SendsAnErrorAlert()
    {
        var threshold = await Podinfo.WithNewRevisionAsync(Podinfo.Canary().WithThreshold(1));
        await threshold.TicksAsync(2);
        threshold.SetMeasurement(CanaryMetric.RequestSuccessRate, 1);
        await threshold.TickUntilAsync(CanaryPhase.Failed);

        var promotion = await Podinfo.WithNewRevisionAsync(Podinfo.Canary());
        await promotion.TickUntilAsync(CanaryPhase.Promoting);
        promotion.Primary!.Readiness = Readiness.Failed("progress deadline exceeded");
        await promotion.TickUntilAsync(CanaryPhase.Failed);

        Assert.All(new[] { threshold, promotion }, world =>
            Assert.Contains(world.Alerts, a => a.Severity == AlertSeverity.Error && a.Phase is not null));
    }

    [Fact]
    public async Task StepWeightPromotion_CanaryWeightAlreadyZero_FinishesPromotion()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary().WithStepWeightPromotion(20));
        await world.TickUntilAsync(CanaryPhase.Promoting);
        world.SetWeights(100, 0);

        await world.TickAsync();

        Assert.Equal(CanaryPhase.Finalising, world.Phase);
        await world.TickAsync();
        Assert.Equal(CanaryPhase.Succeeded, world.Phase);
    }

    [Fact]
    public async Task PendingRevision_DetectedInFailedWhileThePrimaryIsRollingOut_IsNotLost()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary().WithThreshold(1));
        await world.TicksAsync(2);
        world.SetMeasurement(CanaryMetric.RequestSuccessRate, 1);
        await world.TickUntilAsync(CanaryPhase.Failed);
        world.SetMeasurement(CanaryMetric.RequestSuccessRate, 100);

        world.UpdateTarget("podinfo:3.0.0");
        world.Primary!.Readiness = Readiness.Waiting("waiting for rollout to finish: 1 old replicas are pending termination");
        await world.TickAsync();
        Assert.Equal(CanaryPhase.Failed, world.Phase);
        Assert.Equal("podinfo:3.0.0", world.Status.PendingRevision);

        world.MakePrimaryReady();
        await world.TickAsync();

        Assert.Equal(CanaryPhase.Progressing, world.Phase);
        Assert.Equal("podinfo:3.0.0", world.Status.LastAppliedSpec);
        Assert.Null(world.Status.PendingRevision);
    }

    [Fact]
    public async Task NoData_DefaultPolicy_IsAFailedCheck()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary());
        await world.TicksAsync(2);
        world.Measurements[CanaryMetric.RequestSuccessRate] = MetricMeasurement.NoValues();

        await world.TickAsync();

        Assert.Equal(1, world.Status.FailedChecks);
        Assert.Contains("Halt advancement no values found for prometheus metric request-success-rate probably podinfo.test is not receiving traffic", world.EventMessages);
    }

    [Theory]
    [InlineData("pass")]
    [InlineData("skip")]
    public async Task NoData_PassOrSkipPolicy_Advances(string policy)
    {
        var world = await Podinfo.WithNewRevisionAsync(new CanaryBuilder().WithName("podinfo").WithMetric("error-rate", max: 1, templateRef: "error-rate", onNoData: policy));
        await world.TicksAsync(2);
        world.Measurements["error-rate"] = MetricMeasurement.NoValues();

        await world.TickAsync();

        Assert.Equal((0, 20), (world.Status.FailedChecks, world.CanaryWeight));
    }

    [Fact]
    public async Task QueryFailure_IsAFailedCheckNamingTheMetric()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary());
        await world.TicksAsync(2);
        world.Measurements[CanaryMetric.RequestDuration] = MetricMeasurement.Failure("Post \"http://prometheus:9090\": connection refused");

        await world.TickAsync();

        Assert.Equal(1, world.Status.FailedChecks);
        Assert.Contains(world.EventMessages, m => m.StartsWith("Metric query failed for request-duration", StringComparison.Ordinal));
    }

    [Fact]
    public void MetricInterval_Unset_DefaultsToOneMinuteForTemplateMetricsToo()
    {
        var metric = new CanaryMetric { Name = "error-rate", TemplateRef = new CrossNamespaceObjectReference { Name = "error-rate" } };

        Assert.Equal("1m", metric.EffectiveInterval);
    }

    [Fact]
    public void MetricWithoutThreshold_FailsInsteadOfComparingWithZero()
    {
        var canary = Podinfo.Canary().Build();
        var metric = new CanaryMetric { Name = "error-rate", TemplateRef = new CrossNamespaceObjectReference { Name = "error-rate" } };

        var result = MetricEvaluation.Evaluate(canary, metric, MetricMeasurement.Of(0));

        Assert.Equal(CheckVerdict.Failed, result.Verdict);
        Assert.Contains("no thresholdRange or threshold", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { 10, 20, 50 }, 15, 5)]
    [InlineData(new[] { 10, 20, 50 }, 35, 15)]
    [InlineData(new[] { 10, 20, 50 }, 60, 40)]
    public void NextStep_WeightOffTheLadder_SnapsToTheNextLadderValue(int[] ladder, int weight, int expectedStep)
    {
        var analysis = new CanaryAnalysis { StepWeights = ladder };

        Assert.Equal(expectedStep, WeightSchedule.NextStep(analysis, weight));
    }
}
