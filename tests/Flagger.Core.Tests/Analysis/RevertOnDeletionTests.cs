using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Workloads;
using Flagger.Testing.Canaries;
using Xunit;

namespace Flagger.Core.Tests.Analysis;

/// <summary>spec.revertOnDeletion (spec §2.12, Flagger's finalizer.go and its TestFinalizer_* tests), tick by tick.</summary>
public sealed class RevertOnDeletionTests
{
    [Fact]
    public async Task RevertOnDeletion_FirstTick_AddsTheFinalizerAndKeepsOthers()
    {
        var world = Podinfo.World(Podinfo.Canary().WithRevertOnDeletion().With(c => c.Metadata.Finalizers = ["example.com/other"]));

        await world.TickAsync();

        Assert.Equal(["example.com/other", CanaryFinalizer.Name], world.Canary.Metadata.Finalizers);
        Assert.Equal(CanaryPhase.Initializing, world.Phase);
    }

    [Fact]
    public async Task RevertOnDeletion_FinalizerAlreadyThere_IsNotAddedAgain()
    {
        var world = await Podinfo.InitializedAsync(Podinfo.Canary().WithRevertOnDeletion());

        var decision = await world.TickAsync();

        Assert.Equal([CanaryFinalizer.Name], world.Canary.Metadata.Finalizers);
        Assert.DoesNotContain(decision.Actions, a => a is AddFinalizer);
    }

    [Fact]
    public async Task RevertOnDeletion_TurnedOff_RemovesOnlyOurFinalizer()
    {
        var world = await Podinfo.InitializedAsync(Podinfo.Canary().WithRevertOnDeletion().With(c => c.Metadata.Finalizers = ["example.com/other"]));
        world.Canary.Spec.RevertOnDeletion = false;

        await world.TickAsync();

        Assert.Equal(["example.com/other"], world.Canary.Metadata.Finalizers);
    }

    [Fact]
    public async Task RevertOnDeletion_Suspended_StillGetsTheFinalizer()
    {
        var world = Podinfo.World(Podinfo.Canary().WithRevertOnDeletion().WithSuspend());

        await world.TickAsync();

        Assert.Equal([CanaryFinalizer.Name], world.Canary.Metadata.Finalizers);
        Assert.Null(world.Primary);
    }

    [Fact]
    public async Task Deletion_Initialized_TerminatesScalesTheTargetBackUpThenRemovesTheFinalizer()
    {
        var world = await Podinfo.InitializedAsync(Podinfo.Canary().WithRevertOnDeletion());
        world.Primary!.Replicas = 3;
        Assert.Equal(0, world.Target.Replicas);
        world.Delete();

        await world.TickAsync();

        Assert.Equal(CanaryPhase.Terminating, world.Phase);
        Assert.Equal("Unknown", world.Status.Promoted?.Status);
        Assert.Equal(3, world.Target.Replicas);
        Assert.Contains("Terminating canary podinfo.test", world.EventMessages);
        Assert.False(world.Deleted);
        Assert.Equal([CanaryFinalizer.Name], world.Canary.Metadata.Finalizers);

        await world.TickAsync();

        Assert.True(world.Deleted);
        Assert.Equal(CanaryPhase.Terminated, world.Phase);
        Assert.Equal(CanaryPhase.Terminated, world.StatusWrites[^1].Phase);
        Assert.Equal((1, 1), (world.ApexReverts, world.RouteReverts));
        Assert.Equal("Terminated canary podinfo.test", world.EventMessages.Last());
    }

    [Fact]
    public async Task Deletion_TargetNotReady_KeepsTheFinalizerAndRetriesUntilItIs()
    {
        var world = await Podinfo.InitializedAsync(Podinfo.Canary().WithRevertOnDeletion());
        world.AutoReady = false;
        world.Delete();
        await world.TickAsync();

        await world.TicksAsync(2);

        Assert.False(world.Deleted);
        Assert.Equal(CanaryPhase.Terminating, world.Phase);
        Assert.Equal([CanaryFinalizer.Name], world.Canary.Metadata.Finalizers);
        Assert.Equal(2, world.EventMessages.Count(m => m == $"podinfo.test not ready: {InMemoryWorld.NotUpdated}"));
        Assert.Equal((0, 0), (world.ApexReverts, world.RouteReverts));

        world.Target.Readiness = Readiness.Failed("deployment podinfo progress deadline exceeded");
        await world.TickAsync();
        Assert.False(world.Deleted);

        world.MakeCanaryReady();
        await world.TickAsync();

        Assert.True(world.Deleted);
        Assert.Equal(1, world.Target.Replicas);
    }

    [Fact]
    public async Task Deletion_MidProgressing_RevertsAtOnceWhenTheTargetAlreadyRunsThePrimarysReplicas()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary().WithRevertOnDeletion());
        await world.TicksAsync(2);
        Assert.Equal((CanaryPhase.Progressing, 10), (world.Phase!.Value, world.CanaryWeight));
        world.Delete();

        var decision = await world.TickAsync();

        Assert.True(world.Deleted);
        Assert.Equal(["Terminating canary podinfo.test", "Terminated canary podinfo.test"], decision.EventMessages);
        Assert.Equal(CanaryPhase.Terminated, world.Phase);
        Assert.Equal(1, world.Target.Replicas);
        Assert.Equal((1, 1), (world.ApexReverts, world.RouteReverts));
        Assert.Equal("podinfo:1.0.0", world.Primary!.Image);
        Assert.DoesNotContain(world.Alerts, a => a.Phase is CanaryPhase.Terminating or CanaryPhase.Terminated);
    }

    [Fact]
    public async Task Deletion_Suspended_IsStillReverted()
    {
        var world = await Podinfo.InitializedAsync(Podinfo.Canary().WithRevertOnDeletion());
        world.Canary.Spec.Suspend = true;
        world.Delete();

        await world.TicksAsync(2);

        Assert.True(world.Deleted);
        Assert.Equal(1, world.Target.Replicas);
    }

    [Fact]
    public async Task Deletion_OperationsAsked_AreRefused()
    {
        var world = await Podinfo.InitializedAsync(Podinfo.Canary().WithRevertOnDeletion());
        world.Delete();
        world.Ask(CanaryOperationKind.Pause);

        await world.TickAsync();

        Assert.Contains("Operation Pause on podinfo.test refused: the canary is being deleted", world.EventMessages);
        Assert.False(world.Status.Paused);
    }

    [Fact]
    public async Task Deletion_TargetMissing_RemovesTheFinalizerWithAWarning()
    {
        var world = await Podinfo.InitializedAsync(Podinfo.Canary().WithRevertOnDeletion());
        world.TargetProblem = "deployment podinfo.test not found";
        world.Delete();

        await world.TickAsync();

        Assert.True(world.Deleted);
        Assert.Contains(world.Events, e => e.Severity == EventSeverity.Warning && e.Message == "podinfo.test not found: nothing to revert");
        Assert.Equal(0, world.ApexReverts);
    }

    [Fact]
    public async Task Deletion_RevertOnDeletionTurnedOffFirst_RemovesTheFinalizerWithoutReverting()
    {
        var world = await Podinfo.InitializedAsync(Podinfo.Canary().WithRevertOnDeletion());
        world.Canary.Spec.RevertOnDeletion = false;
        world.Delete();

        await world.TickAsync();

        Assert.True(world.Deleted);
        Assert.Equal(0, world.Target.Replicas);
        Assert.Equal(CanaryPhase.Initialized, world.Phase);
    }

    [Fact]
    public async Task Deletion_WithoutRevertOnDeletionButAnotherFinalizer_IsLeftAlone()
    {
        var world = await Podinfo.WithNewRevisionAsync(Podinfo.Canary().With(c => c.Metadata.Finalizers = ["example.com/other"]));
        await world.TicksAsync(2);
        world.Delete();
        var writes = world.StatusWrites.Count;

        var decision = await world.TickAsync();

        Assert.Empty(decision.Actions);
        Assert.Null(decision.NextStatus);
        Assert.Equal(writes, world.StatusWrites.Count);
        Assert.False(world.Deleted);
        Assert.True(CanaryFinalizer.IsLetGo(world.Canary));
    }

    [Fact]
    public async Task Deletion_StatusTerminatedButFinalizerStillThere_OnlyRemovesIt()
    {
        var world = await Podinfo.InitializedAsync(Podinfo.Canary().WithRevertOnDeletion());
        world.Canary.Status = world.Status with { Phase = CanaryPhase.Terminated };
        world.Delete();

        var decision = await world.TickAsync();

        Assert.True(world.Deleted);
        Assert.Equal([typeof(RemoveFinalizer)], decision.Actions.Select(a => a.GetType()));
    }

    [Fact]
    public void HasWork_FollowsTheFieldTheFinalizerAndTheDeletion()
    {
        var canary = Podinfo.Canary().WithRevertOnDeletion().Build();
        Assert.True(CanaryFinalizer.HasWork(canary));
        canary.Metadata.Finalizers = [CanaryFinalizer.Name];
        Assert.False(CanaryFinalizer.HasWork(canary));
        canary.Metadata.DeletionTimestamp = DateTime.UtcNow;
        Assert.True(CanaryFinalizer.HasWork(canary));
        canary.Metadata.Finalizers = ["example.com/other"];
        Assert.False(CanaryFinalizer.HasWork(canary));
        Assert.True(CanaryFinalizer.IsLetGo(canary));
    }

    [Fact]
    public async Task UsersRoute_WithoutRevertOnDeletion_HoldsTheFinalizer_AndDeletionGivesTheRouteBackOnly()
    {
        var world = await Podinfo.InitializedAsync(Podinfo.Canary().WithoutGatewayRefs()
            .WithSpec(s => s.RouteRef = new LocalObjectReference { ApiVersion = "gateway.networking.k8s.io/v1", Kind = "HTTPRoute", Name = "shop" }));
        Assert.Equal([CanaryFinalizer.Name], world.Canary.Metadata.Finalizers);
        world.Delete();

        var decision = await world.TickAsync();

        Assert.True(world.Deleted);
        Assert.Equal([typeof(RevertRoutes), typeof(RemoveFinalizer)], decision.Actions.Where(a => a is not RecordEvent).Select(a => a.GetType()));
        Assert.Equal((1, 0), (world.RouteReverts, world.ApexReverts));
        Assert.Equal(0, world.Target.Replicas);
        Assert.Contains("Giving back HTTPRoute shop as its owner wrote it", world.EventMessages);
    }
}
