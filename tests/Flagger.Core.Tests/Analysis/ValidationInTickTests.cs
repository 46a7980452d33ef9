using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Testing.Canaries;
using Xunit;

namespace Flagger.Core.Tests.Analysis;

public sealed class ValidationInTickTests
{
    private static CanaryBuilder InvalidCanary() =>
        new CanaryBuilder().WithName("podinfo").WithMetric(new CanaryMetric { Name = "error-rate", TemplateRef = new CrossNamespaceObjectReference { Name = "error-rate" } });

    [Fact]
    public async Task InvalidCanary_CreatesNothingAndNamesTheFieldInTheValidatedCondition()
    {
        var world = Podinfo.World(InvalidCanary());

        await world.TicksAsync(2);

        Assert.Null(world.Primary);
        Assert.False(world.RouteExists);
        var condition = Assert.Single(world.Status.Conditions!, c => c.Type == ValidatedCondition.Type);
        Assert.Equal(("False", "InvalidSpec"), (condition.Status, condition.Reason));
        Assert.Contains("spec.analysis.metrics[0]", condition.Message, StringComparison.Ordinal);
        Assert.Single(world.Events, e => e.Severity == EventSeverity.Warning && e.Message.StartsWith("Invalid canary podinfo.test", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RouteRefBesideGatewayRefs_CreatesNothingAndNamesRouteRef()
    {
        var world = Podinfo.World(Podinfo.Canary().WithSpec(s => s.RouteRef = new LocalObjectReference { ApiVersion = "gateway.networking.k8s.io/v1", Kind = "HTTPRoute", Name = "shop" }));

        await world.TicksAsync(2);

        Assert.Null(world.Primary);
        Assert.False(world.RouteExists);
        var condition = Assert.Single(world.Status.Conditions!, c => c.Type == ValidatedCondition.Type);
        Assert.Equal(("False", "InvalidSpec"), (condition.Status, condition.Reason));
        Assert.Contains("spec.routeRef: cannot be used with spec.service.gatewayRefs", condition.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RouteRefToAUsersHttpRoute_WithoutGatewayRefs_Initializes()
    {
        var world = Podinfo.World(Podinfo.Canary().WithoutGatewayRefs()
            .WithSpec(s => s.RouteRef = new LocalObjectReference { ApiVersion = "gateway.networking.k8s.io/v1", Kind = "HTTPRoute", Name = "shop" }));

        await world.TicksAsync(3);

        Assert.Equal(CanaryPhase.Initialized, world.Phase);
        Assert.Equal("True", world.Status.Conditions!.Single(c => c.Type == ValidatedCondition.Type).Status);
    }

    [Fact]
    public async Task MissingTarget_GetsATargetUsableConditionAndAnEventNamingIt_ThenTrueOnceItExists()
    {
        var world = Podinfo.World(Podinfo.Canary());
        world.TargetProblem = "deployment podinfo.test not found";

        await world.TicksAsync(2);

        var condition = Assert.Single(world.Status.Conditions!, c => c.Type == TargetCondition.Type);
        Assert.Equal(("False", "TargetUnusable", "deployment podinfo.test not found"), (condition.Status, condition.Reason, condition.Message));
        Assert.Contains(world.Events, e => e.Severity == EventSeverity.Warning && e.Message == "deployment podinfo.test not found");
        Assert.Null(world.Primary);

        world.TargetProblem = null;
        await world.TicksAsync(3);

        Assert.Equal(CanaryPhase.Initialized, world.Phase);
        Assert.Equal(("True", "TargetUsable"), world.Status.Conditions!.Where(c => c.Type == TargetCondition.Type).Select(c => (c.Status, c.Reason)).Single());
    }

    [Fact]
    public async Task UsableTarget_NeverGetsATargetUsableCondition()
    {
        var world = Podinfo.World(Podinfo.Canary());

        await world.TicksAsync(3);

        Assert.Equal(CanaryPhase.Initialized, world.Phase);
        Assert.DoesNotContain(world.Status.Conditions!, c => c.Type == TargetCondition.Type);
    }

    [Fact]
    public async Task InvalidCanary_FixedSpec_InitializesAndKeepsBothConditions()
    {
        var world = Podinfo.World(InvalidCanary());
        await world.TickAsync();

        world.Canary.Analysis.Metrics![0].ThresholdRange = new ThresholdRange { Max = 1 };
        await world.TicksAsync(2);

        Assert.Equal(CanaryPhase.Initialized, world.Phase);
        Assert.Equal("True", world.Status.Conditions!.Single(c => c.Type == ValidatedCondition.Type).Status);
        Assert.Equal("True", world.Status.Promoted!.Status);
    }
}
