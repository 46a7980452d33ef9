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
        return (new RolloutSteps(new CanaryObserver(world, world), new CheckRunner(world, world), new DecisionApplier(world, world, world, world, world), store), world, store);
    }

    private static async Task<TickOutcome> TickAsync(RolloutSteps steps, InMemoryWorld world, Func<ApplyRequest, Task<TickOutcome>>? apply = null)
    {
        var observed = await steps.ObserveAsync(new ObserveRequest("test", "podinfo", world.Now, []), CancellationToken.None);
        var report = observed.Plan is { } plan ? await steps.RunChecksAsync(new ChecksRequest(observed.Observation!.Canary, plan), CancellationToken.None) : null;
        var request = new ApplyRequest(observed.Observation!, report, observed.Sequence);
        return await (apply ?? (r => steps.ApplyAsync(r, CancellationToken.None)))(request);
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
        var observed = await steps.ObserveAsync(new ObserveRequest("test", "podinfo", world.Now, []), CancellationToken.None);

        Assert.Equal(3, observed.Sequence);
        Assert.Equal(2, (await store.GetCheckpointAsync("test", "podinfo", CancellationToken.None))!.Sequence);
    }
}
