using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Workloads;
using Flagger.Testing.Canaries;
using Xunit;

namespace Flagger.Core.Tests.Analysis;

/// <summary>
/// Pre-scaling the primary before traffic moves back to it, with an autoscalerRef (Flagger #1600): the primary
/// keeps its own replicas at promotion, so it is scaled to what both Deployments run before it takes the load.
/// </summary>
public sealed class PrimaryPreScaleTests
{
    private static CanaryBuilder WithHpa(CanaryBuilder builder) =>
        builder.WithSpec(s => s.AutoscalerRef = new AutoscalerReference { ApiVersion = "autoscaling/v2", Kind = "HorizontalPodAutoscaler", Name = "podinfo" });

    /// <summary>A run in progress whose canary the HPA scaled to 6 while the primary's scaled itself down to 2.</summary>
    private static async Task<InMemoryWorld> ScaledRunAsync(CanaryBuilder builder)
    {
        var world = await Podinfo.WithNewRevisionAsync(builder);
        await world.TickAsync();
        Assert.Equal(CanaryPhase.Progressing, world.Phase);
        world.Target.Replicas = 6;
        world.Primary!.Replicas = 2;
        return world;
    }

    private static async Task<TickDecision> TickUntilActionAsync<T>(InMemoryWorld world, int limit = 20)
        where T : CanaryAction
    {
        for (var i = 0; i < limit; i++)
        {
            var decision = await world.TickAsync();
            if (decision.Actions.OfType<T>().Any())
            {
                return decision;
            }
        }

        throw new InvalidOperationException($"no {typeof(T).Name} in {limit} ticks; phase {world.Phase}");
    }

    private static int IndexOf<T>(TickDecision decision) => decision.Actions.ToList().FindIndex(a => a is T);

    [Fact]
    public async Task Promotion_WithHpa_ScalesPrimaryToBothReplicaCountsAfterTheCopyAndHoldsItsMinimum_RouteStaysPut()
    {
        var world = await ScaledRunAsync(WithHpa(Podinfo.Canary()));

        var decision = await TickUntilActionAsync<PromotePrimary>(world);

        Assert.Equal(new ScalePrimaryUp(8, HoldMinimum: true), decision.Actions.OfType<ScalePrimaryUp>().Single());
        Assert.True(IndexOf<PromotePrimary>(decision) < IndexOf<ScalePrimaryUp>(decision));
        Assert.DoesNotContain(decision.Actions, a => a is SetRoutes);
        Assert.Equal((CanaryPhase.Promoting, 8, 8), (world.Phase!.Value, world.Primary!.Replicas, world.HeldPrimaryMinimum!.Value));
        Assert.Contains("Scaling podinfo-primary.test to 8 replicas (2 primary + 6 canary) before traffic moves back to it", world.EventMessages);
    }

    [Fact]
    public async Task Promotion_WithHpa_RouteGoesToPrimaryOnlyOnceTheScaledPrimaryIsReady_ThenReleasesTheMinimum()
    {
        var world = await ScaledRunAsync(WithHpa(Podinfo.Canary()));
        world.AutoReady = false;
        await TickUntilActionAsync<PromotePrimary>(world);
        var routeBefore = (world.PrimaryWeight, world.CanaryWeight);

        var waiting = await world.TickAsync();

        Assert.DoesNotContain(waiting.Actions, a => a is SetRoutes);
        Assert.Equal(routeBefore, (world.PrimaryWeight, world.CanaryWeight));
        Assert.Contains($"podinfo-primary.test not ready: {InMemoryWorld.NotUpdated}", waiting.EventMessages);

        world.MakePrimaryReady();
        var shift = await world.TickAsync();
        Assert.Contains(new SetRoutes(100, 0), shift.Actions);
        Assert.Equal(8, world.HeldPrimaryMinimum);

        var finalising = await world.TickAsync();
        Assert.Contains(finalising.Actions, a => a is ReleasePrimaryScaler);
        Assert.Equal((CanaryPhase.Succeeded, 0, 8), (world.Phase!.Value, world.Target.Replicas, world.Primary!.Replicas));
        Assert.Null(world.HeldPrimaryMinimum);
    }

    [Fact]
    public async Task Promotion_WithHpa_PreScaleIsCappedAtThePrimaryAutoscalersMaximum()
    {
        var world = await ScaledRunAsync(WithHpa(Podinfo.Canary()));
        world.PrimaryMaxReplicas = 5;

        var decision = await TickUntilActionAsync<PromotePrimary>(world);

        Assert.Equal(new ScalePrimaryUp(5, HoldMinimum: true), decision.Actions.OfType<ScalePrimaryUp>().Single());
    }

    [Fact]
    public async Task ManualPromote_WithHpa_PreScalesTheSameWay()
    {
        var world = await ScaledRunAsync(WithHpa(Podinfo.Canary()));
        await world.TickAsync();
        Assert.Equal(10, world.CanaryWeight);
        world.Ask(CanaryOperationKind.Promote);

        var decision = await world.TickAsync();

        Assert.True(IndexOf<PromotePrimary>(decision) < IndexOf<ScalePrimaryUp>(decision));
        Assert.Equal(new ScalePrimaryUp(8, HoldMinimum: true), decision.Actions.OfType<ScalePrimaryUp>().Single());
    }

    [Fact]
    public async Task Rollback_WithHpa_ScalesPrimaryUpBeforeTheRouteInTheSameTick_WithoutHoldingOrWaiting()
    {
        var world = await ScaledRunAsync(WithHpa(Podinfo.Canary().WithThreshold(1)));
        world.AutoReady = false;
        await world.TickAsync(); // the first analysis step: pre-rollout, weight 10
        world.SetMeasurement(CanaryMetric.RequestSuccessRate, 50);
        await world.TickAsync(); // failed check 1

        var decision = await world.TickAsync();

        Assert.Equal(CanaryPhase.Failed, world.Phase);
        Assert.Equal(new ScalePrimaryUp(8, HoldMinimum: false), decision.Actions.OfType<ScalePrimaryUp>().Single());
        Assert.True(IndexOf<ScalePrimaryUp>(decision) < IndexOf<SetRoutes>(decision));
        Assert.True(IndexOf<SetRoutes>(decision) < IndexOf<ScaleTargetToZero>(decision));
        Assert.Equal((100, 0), (world.PrimaryWeight, world.CanaryWeight));
        Assert.Equal(8, world.Primary!.Replicas);
        Assert.False(world.Primary.Readiness.IsReady);
        Assert.Null(world.HeldPrimaryMinimum);
    }

    [Fact]
    public async Task Rollback_WithHpa_PrimaryAlreadyLargerThanBoth_IsNotScaled()
    {
        var world = await ScaledRunAsync(WithHpa(Podinfo.Canary().WithThreshold(1)));
        world.PrimaryMaxReplicas = 2;
        await world.TickAsync();
        world.SetMeasurement(CanaryMetric.RequestSuccessRate, 50);
        await world.TickAsync();

        var decision = await world.TickAsync();

        Assert.Equal(CanaryPhase.Failed, world.Phase);
        Assert.DoesNotContain(decision.Actions, a => a is ScalePrimaryUp);
    }

    [Fact]
    public async Task Rollback_WithHpa_BeforeTheCanaryGotTraffic_IsNotPreScaled()
    {
        var world = await ScaledRunAsync(WithHpa(Podinfo.Canary()));
        world.Target.Readiness = Readiness.Failed("progress deadline exceeded");

        var decision = await world.TickAsync();

        Assert.Equal((CanaryPhase.Failed, 0), (world.Phase!.Value, world.RouteHistory.Count(r => r.Canary > 0)));
        Assert.DoesNotContain(decision.Actions, a => a is ScalePrimaryUp);
        Assert.Equal(2, world.Primary!.Replicas);
    }

    [Fact]
    public async Task FailedPromotion_WithHpa_ReleasesTheHeldMinimum()
    {
        var world = await ScaledRunAsync(WithHpa(Podinfo.Canary()));
        world.AutoReady = false;
        await TickUntilActionAsync<PromotePrimary>(world);
        world.Primary!.Readiness = Readiness.Failed("progress deadline exceeded");

        var decision = await world.TickAsync();

        Assert.Equal(CanaryPhase.Failed, world.Phase);
        Assert.Contains(decision.Actions, a => a is ReleasePrimaryScaler);
        Assert.Null(world.HeldPrimaryMinimum);
    }

    [Fact]
    public async Task WithoutAutoscalerRef_PromotionAndRollbackNeverPreScale()
    {
        var promoted = await ScaledRunAsync(Podinfo.Canary());
        var decisions = new List<TickDecision>();
        for (var i = 0; i < 20 && promoted.Phase != CanaryPhase.Succeeded; i++)
        {
            decisions.Add(await promoted.TickAsync());
        }

        var rolledBack = await ScaledRunAsync(Podinfo.Canary().WithThreshold(1));
        rolledBack.SetMeasurement(CanaryMetric.RequestSuccessRate, 50);
        for (var i = 0; i < 5 && rolledBack.Phase != CanaryPhase.Failed; i++)
        {
            decisions.Add(await rolledBack.TickAsync());
        }

        Assert.Equal((CanaryPhase.Succeeded, CanaryPhase.Failed), (promoted.Phase!.Value, rolledBack.Phase!.Value));
        Assert.DoesNotContain(decisions.SelectMany(d => d.Actions), a => a is ScalePrimaryUp or ReleasePrimaryScaler);
        Assert.Equal(2, promoted.Primary!.Replicas);
    }

    [Fact]
    public void ScalePrimaryUp_RoundTripsThroughJson_WithItsReplicas()
    {
        CanaryAction action = new ScalePrimaryUp(8, HoldMinimum: true);

        var json = System.Text.Json.JsonSerializer.Serialize(action);
        var read = System.Text.Json.JsonSerializer.Deserialize<CanaryAction>(json);

        Assert.Contains("\"action\":\"scalePrimaryUp\"", json, StringComparison.Ordinal);
        Assert.Equal(action, read);
    }
}
