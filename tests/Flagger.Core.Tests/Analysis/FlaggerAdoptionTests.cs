using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Testing.Canaries;
using Xunit;

namespace Flagger.Core.Tests.Analysis;

/// <summary>
/// Taking over a Canary from a running Flagger (<see cref="FlaggerAdoption"/>), tick by tick over the in-memory
/// world seeded from a status and Deployments as Flagger 1.44 leaves them (Fixtures/flagger-1.44-succeeded.yaml).
/// </summary>
public sealed class FlaggerAdoptionTests
{
    private const string Promoted = "ghcr.io/stefanprodan/podinfo:6.1.0";
    private const string Next = "ghcr.io/stefanprodan/podinfo:6.2.0";

    private static InMemoryWorld FlaggerSucceeded() => FlaggerFixture.Load("flagger-1.44-succeeded.yaml").World();

    /// <summary>The fixture's status, changed to another phase Flagger may have left: its own hash of the revision it ran, in its form.</summary>
    private static InMemoryWorld FlaggerIn(CanaryPhase phase, int canaryWeight, string targetImage, int primaryWeight = 100)
    {
        var world = FlaggerSucceeded();
        world.Canary.Status = world.Status with
        {
            Phase = phase,
            CanaryWeight = canaryWeight,
            LastAppliedSpec = "7c9d4b5f6",
            Conditions = [new CanaryCondition { Status = phase == CanaryPhase.Failed ? "False" : "Unknown", Reason = phase.ToString(), Message = "as Flagger wrote it" }],
        };
        world.Target.Image = targetImage;
        world.Target.Replicas = phase == CanaryPhase.Failed ? 0 : 1;
        world.SeedPrimary(Promoted, primaryWeight, 100 - primaryWeight);
        return world;
    }

    [Fact]
    public void Fixture_IsReadAsAFlaggerStatus()
    {
        var status = FlaggerFixture.Load("flagger-1.44-succeeded.yaml").Canary().Status;

        Assert.True(FlaggerAdoption.IsFlaggerStatus(status));
        Assert.Equal(CanaryPhase.Succeeded, status!.Phase);
        Assert.Equal("Canary analysis completed successfully, promotion finished.", status.Promoted!.Message);
    }

    [Fact]
    public async Task OurOwnStatus_IsNeverTakenAsFlaggers()
    {
        var ours = (await Podinfo.InitializedAsync(Podinfo.Canary())).Status;
        var flaggers = FlaggerFixture.Load("flagger-1.44-succeeded.yaml").Canary().Status!;

        Assert.False(FlaggerAdoption.IsFlaggerStatus(ours));
        Assert.False(FlaggerAdoption.IsFlaggerStatus(flaggers with { LastAppliedSpec = "0123456789abcdef" }), "our hash form");
        Assert.False(FlaggerAdoption.IsFlaggerStatus(flaggers with { ObservedGeneration = 1 }), "our observedGeneration");
        Assert.False(FlaggerAdoption.IsFlaggerStatus(flaggers with { Conditions = [.. flaggers.Conditions!, new CanaryCondition { Type = ValidatedCondition.Type, Status = "True" }] }), "our Validated condition");
        Assert.False(FlaggerAdoption.IsFlaggerStatus(flaggers with { Phase = null }), "no phase");
        Assert.True(FlaggerAdoption.IsFlaggerHash("5"));
        Assert.False(FlaggerAdoption.IsFlaggerHash("6b5f7dc48a1"), "longer than a uint32 in decimal");
    }

    [Fact]
    public async Task FlaggerSucceeded_FirstTick_IsAdoptedWithoutAnalysisHooksAlertsOrWeightChange()
    {
        var world = FlaggerSucceeded();

        var decision = await world.TickAsync();

        Assert.Equal(CanaryPhase.Succeeded, world.Phase);
        Assert.Equal(Promoted, world.Status.LastAppliedSpec);
        Assert.Equal(Promoted, world.Status.LastPromotedSpec);
        Assert.Equal(world.TargetConfigs.OrderBy(c => c.Key), world.Status.TrackedConfigs!.OrderBy(c => c.Key));
        Assert.Equal((0, 0, 0), (world.Status.CanaryWeight, world.Status.FailedChecks, world.Status.Iterations));
        Assert.Equal("True", world.Status.Promoted!.Status);
        var adopted = Assert.Single(world.Events);
        Assert.Equal(EventSeverity.Info, adopted.Severity);
        Assert.Equal($"Adopted podinfo.test from Flagger: podinfo-primary.test runs the revision of podinfo.test, taken as promoted (Succeeded kept, no analysis)", adopted.Message);
        Assert.Empty(world.HookCalls);
        Assert.Empty(world.Alerts);
        Assert.Empty(world.RouteHistory);
        Assert.DoesNotContain(decision.Actions, a => a is ScaleTargetUp or PromotePrimary or SetRoutes);
        Assert.Equal((100, 0, 0), (world.PrimaryWeight, world.CanaryWeight, world.Target.Replicas));

        await world.TicksAsync(3);

        Assert.Single(world.Events);
        Assert.Empty(world.HookCalls);
        Assert.Empty(world.Alerts);
        Assert.Equal(CanaryPhase.Succeeded, world.Phase);
    }

    [Fact]
    public async Task FlaggerInitialized_FirstTick_IsAdoptedAndStaysInitialized()
    {
        var world = FlaggerSucceeded();
        world.Canary.Status = world.Status with { Phase = CanaryPhase.Initialized };

        await world.TicksAsync(2);

        Assert.Equal(CanaryPhase.Initialized, world.Phase);
        Assert.Equal(Promoted, world.Status.LastPromotedSpec);
        Assert.StartsWith("Adopted podinfo.test from Flagger: ", Assert.Single(world.Events).Message, StringComparison.Ordinal);
        Assert.Empty(world.HookCalls);
        Assert.Empty(world.Alerts);
    }

    [Fact]
    public async Task AdoptedCanary_ThenANewPush_RunsTheFullAnalysis()
    {
        var world = FlaggerSucceeded();
        await world.TickAsync();

        world.UpdateTarget(Next);
        await world.TickUntilAsync(CanaryPhase.Succeeded);

        Assert.Equal(new[] { "pre-rollout", "rollout", "post-rollout" }, world.HookCalls.Select(c => c.Type).Distinct());
        Assert.Contains(world.Alerts, a => a.Message == "New revision detected, progressing canary analysis.");
        Assert.Contains(world.Alerts, a => a.Message == "Canary analysis completed successfully, promotion finished.");
        Assert.Contains((50, 50, false), world.RouteHistory);
        Assert.Equal(Next, world.Primary!.Image);
        Assert.Equal(Next, world.Status.LastPromotedSpec);
    }

    [Fact]
    public async Task FlaggerSucceeded_TargetChangedSince_RunsTheAnalysisAndSaysWhy()
    {
        var world = FlaggerSucceeded();
        world.Target.Image = Next;

        await world.TickAsync();

        Assert.Equal(CanaryPhase.Progressing, world.Phase);
        Assert.Equal(
            new[] { "Adopted podinfo.test from Flagger: podinfo.test differs from podinfo-primary.test, so its revision runs the analysis", "New revision detected! Scaling up podinfo.test" },
            world.EventMessages);
        Assert.Contains(world.Alerts, a => a.Message == "New revision detected, progressing canary analysis.");

        await world.TickUntilAsync(CanaryPhase.Succeeded);

        Assert.Contains(world.HookCalls, c => c.Name == "acceptance-test");
        Assert.Equal(Next, world.Primary!.Image);
    }

    [Fact]
    public async Task FlaggerStatus_WithACheckpointOfOurs_IsNotAdopted()
    {
        var world = FlaggerSucceeded();
        world.HasCheckpoint = true;

        await world.TickAsync();

        Assert.DoesNotContain(world.EventMessages, m => m.StartsWith("Adopted", StringComparison.Ordinal));
        Assert.Equal(CanaryPhase.Progressing, world.Phase);
    }

    [Fact]
    public async Task FlaggerProgressing_RestartsTheAnalysisFromTheStart()
    {
        var world = FlaggerIn(CanaryPhase.Progressing, canaryWeight: 20, Next, primaryWeight: 80);

        await world.TickAsync();

        Assert.Equal(
            new[] { "Adopted podinfo.test from Flagger mid-analysis (Progressing, canary weight 20): the analysis of podinfo.test restarts from the beginning", "New revision detected! Restarting analysis for podinfo.test" },
            world.EventMessages);
        Assert.Equal((100, 0), (world.PrimaryWeight, world.CanaryWeight));
        Assert.Equal((CanaryPhase.Progressing, 0, Next), (world.Phase, world.Status.CanaryWeight, world.Status.LastAppliedSpec));
        Assert.Empty(world.HookCalls);

        await world.TickAsync();

        Assert.Equal("acceptance-test", Assert.Single(world.HookCalls).Name);
        await world.TickUntilAsync(CanaryPhase.Succeeded);
        Assert.Equal(Next, world.Primary!.Image);
    }

    [Fact]
    public async Task FlaggerFailed_TheRevisionItRolledBackIsNotRunAgain()
    {
        var world = FlaggerIn(CanaryPhase.Failed, canaryWeight: 0, Next);

        await world.TicksAsync(3);

        Assert.Equal(CanaryPhase.Failed, world.Phase);
        Assert.Equal(Next, world.Status.LastAppliedSpec);
        Assert.Null(world.Status.LastPromotedSpec);
        Assert.Equal(
            "Adopted podinfo.test from Flagger in phase Failed: the revision of podinfo.test is taken as the one that failed and is not run again (push a new one, or ask retry)",
            Assert.Single(world.Events).Message);
        Assert.Empty(world.HookCalls);
        Assert.Empty(world.Alerts);
        Assert.Equal((Promoted, 0), (world.Primary!.Image, world.Target.Replicas));

        world.Ask(CanaryOperationKind.Retry);
        await world.TickAsync();

        Assert.Equal(CanaryPhase.Progressing, world.Phase);
    }

    [Fact]
    public async Task FlaggerPromoting_PrimaryAlreadyCopied_FinishesThePromotionWithoutAnotherRun()
    {
        var world = FlaggerIn(CanaryPhase.Promoting, canaryWeight: 50, Promoted, primaryWeight: 50);

        await world.TickUntilAsync(CanaryPhase.Succeeded);
        await world.TicksAsync(2);

        Assert.Equal(CanaryPhase.Succeeded, world.Phase);
        Assert.Equal(Promoted, world.Status.LastPromotedSpec);
        Assert.StartsWith("Adopted podinfo.test from Flagger during its promotion: ", world.Events[0].Message, StringComparison.Ordinal);
        Assert.DoesNotContain(world.HookCalls, c => c.Type is "pre-rollout" or "rollout");
        Assert.DoesNotContain(world.EventMessages, m => m.StartsWith("New revision detected", StringComparison.Ordinal));
    }
}
