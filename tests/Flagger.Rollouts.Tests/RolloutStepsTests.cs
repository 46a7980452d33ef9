using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Rollouts;
using Flagger.Testing.Canaries;
using Flagger.Testing.Registry;

namespace Flagger.Rollouts.Tests;

/// <summary>The activities outside the orchestrator: what a replay after a crash does.</summary>
public sealed class RolloutStepsTests
{
    private static (RolloutSteps Steps, InMemoryWorld World, InMemoryRolloutStore Store) Create(CanaryBuilder builder)
    {
        var world = new InMemoryWorld(builder.Build());
        var store = new InMemoryRolloutStore();
        return (new RolloutSteps(new CanaryObserver(world, world), new CheckRunner(world, world), new DecisionApplier(world, world, world, world, world), store, new InMemoryOperationInbox()), world, store);
    }

    private static async Task<TickOutcome> TickAsync(RolloutSteps steps, InMemoryWorld world, Func<ApplyRequest, Task<TickOutcome>>? apply = null)
    {
        var observed = await steps.ObserveAsync(new ObserveRequest("test", "podinfo", world.Now), CancellationToken.None);
        var report = observed.Plan is { } plan ? await steps.RunChecksAsync(new ChecksRequest(observed.Observation!.Canary, plan), CancellationToken.None) : null;
        var request = new ApplyRequest(observed.Observation!, report, observed.Context);
        var outcome = await (apply ?? (r => steps.ApplyAsync(r, CancellationToken.None)))(request);
        world.Now += world.Canary.Analysis.GetInterval();
        return outcome;
    }

    [Fact]
    public async Task ApplyAsync_ReplayedAfterACrash_DoesNotPromoteOrAlertTwice()
    {
        var (steps, world, store) = Create(Podinfo.Canary().WithStepWeight(50));
        for (var i = 0; i < 2; i++)
        {
            await TickAsync(steps, world);
        }

        world.UpdateTarget("podinfo:2.0.0");
        for (var i = 0; i < 2; i++)
        {
            await TickAsync(steps, world);
        }

        Assert.Equal(CanaryPhase.Progressing, world.Phase);
        var promotions = 0;
        var alertsBefore = 0;
        await TickAsync(steps, world, async request =>
        {
            alertsBefore = world.Alerts.Count;
            var first = await steps.ApplyAsync(request, CancellationToken.None);
            promotions = world.Events.Count(e => e.Message.StartsWith("Copying", StringComparison.Ordinal));
            var replay = await steps.ApplyAsync(request, CancellationToken.None);
            Assert.Equal(first.Phase, replay.Phase);
            return replay;
        });

        Assert.Equal(CanaryPhase.Promoting, world.Phase);
        Assert.Equal(1, promotions);
        Assert.Equal(promotions, world.Events.Count(e => e.Message.StartsWith("Copying", StringComparison.Ordinal)));
        var history = await store.GetHistoryAsync("test", "podinfo", 100, null, CancellationToken.None);
        Assert.Equal(history.Entries.Count, history.Entries.Select(e => e.Sequence).Distinct().Count());
        Assert.Equal(alertsBefore, world.Alerts.Count);
    }

    [Fact]
    public async Task ObserveAsync_NumbersTicksAfterTheLastStoredOne()
    {
        var (steps, world, store) = Create(Podinfo.Canary());

        await TickAsync(steps, world);
        await TickAsync(steps, world);
        var observed = await steps.ObserveAsync(new ObserveRequest("test", "podinfo", world.Now), CancellationToken.None);

        Assert.Equal(3, observed.Context.Sequence);
        Assert.Equal(2, (await store.GetCheckpointAsync("test", "podinfo", CancellationToken.None))!.Sequence);
    }

    [Fact]
    public async Task ApplyAsync_WokenBeforeTheIntervalPassed_DoesNotStepAndRecordsNothing()
    {
        var (steps, world, store) = Create(Podinfo.Canary().WithStepWeight(10));
        await TickAsync(steps, world);
        await TickAsync(steps, world);
        world.UpdateTarget("podinfo:2.0.0");
        await TickAsync(steps, world);
        await TickAsync(steps, world);
        Assert.Equal(10, world.CanaryWeight);
        var recorded = (await store.GetCheckpointAsync("test", "podinfo", CancellationToken.None))!.Sequence;

        // Six wake-ups a second apart (a re-pushed image, say), all inside the 60 s interval.
        world.Now -= world.Canary.Analysis.GetInterval();
        for (var i = 0; i < 6; i++)
        {
            world.Now += TimeSpan.FromSeconds(1);
            var observed = await steps.ObserveAsync(new ObserveRequest("test", "podinfo", world.Now), CancellationToken.None);
            Assert.Null(observed.Plan);
            await steps.ApplyAsync(new ApplyRequest(observed.Observation!, null, observed.Context), CancellationToken.None);
        }

        Assert.Equal(10, world.CanaryWeight);
        Assert.Equal(CanaryPhase.Progressing, world.Phase);
        Assert.Equal(recorded, (await store.GetCheckpointAsync("test", "podinfo", CancellationToken.None))!.Sequence);
    }

    [Fact]
    public async Task ApplyAsync_OnceTheIntervalPassed_StepsAndTellsWhenTheNextStepIsDue()
    {
        var (steps, world, _) = Create(Podinfo.Canary().WithStepWeight(10));
        await TickAsync(steps, world);
        await TickAsync(steps, world);
        world.UpdateTarget("podinfo:2.0.0");
        await TickAsync(steps, world);
        var stepAt = world.Now;

        var outcome = await TickAsync(steps, world);

        Assert.Equal(10, world.CanaryWeight);
        Assert.Equal(stepAt + world.Canary.Analysis.GetInterval(), outcome.NextTickAt);
    }

    [Fact]
    public async Task ObserveAsync_OperationsInTheInbox_AreAppliedOnceAndForgotten()
    {
        var world = new InMemoryWorld(Podinfo.Canary().Build());
        var store = new InMemoryRolloutStore();
        var inbox = new InMemoryOperationInbox();
        var steps = new RolloutSteps(new CanaryObserver(world, world), new CheckRunner(world, world), new DecisionApplier(world, world, world, world, world), store, inbox);
        await TickAsync(steps, world);
        await inbox.EnqueueAsync("test", "podinfo", new CanaryOperation(CanaryOperationKind.Pause, "alice", world.Now), CancellationToken.None);
        await inbox.EnqueueAsync("test", "podinfo", new CanaryOperation(CanaryOperationKind.Resume, "bob", world.Now), CancellationToken.None);

        await TickAsync(steps, world);
        await TickAsync(steps, world);

        var history = (await store.GetHistoryAsync("test", "podinfo", 10, null, CancellationToken.None)).Entries;
        Assert.Equal(["alice", "bob"], history.SelectMany(e => e.Operations).Select(o => o.By!));
        Assert.Equal(2, (await store.GetCheckpointAsync("test", "podinfo", CancellationToken.None))!.AppliedOperations);
        Assert.Empty(await inbox.PendingAsync("test", "podinfo", 0, CancellationToken.None));
        Assert.False(world.Canary.Status!.Paused);
    }
}
