using Flagger.Core.Model;
using Flagger.Testing.Canaries;
using Xunit.Abstractions;

namespace Flagger.Rollouts.Tests;

/// <summary>
/// What one whole rollout costs in billed Function executions (activities and orchestrator episodes), on the
/// real orchestrator and the in-process Durable Task host: the figures the README prices on Flex Consumption.
/// </summary>
public sealed class RolloutCostTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ATenStepRollout_CostsOneActivityAndAtMostThreeEpisodesATick()
    {
        await using var host = await RolloutHost.StartAsync(new InMemoryWorld(Podinfo.Canary().WithStepWeight(10).WithMaxWeight(100).Build()));
        await host.StartAsync();
        await host.CompletedAsync();
        host.World.UpdateTarget("podinfo:2.0.0");
        host.Activities.Clear();
        var episodesBefore = host.Episodes;

        await host.StartAsync();
        await host.CompletedAsync();

        Assert.Equal(CanaryPhase.Succeeded, host.Phase);
        Assert.All(host.Activities, a => Assert.Equal(CanaryRollout.Tick, a));
        var ticks = host.Activities.Count;
        var episodes = host.Episodes - episodesBefore;
        output.WriteLine($"ticks {ticks}, activities {host.Activities.Count}, orchestrator episodes {episodes}");
        // Progressing at 10..100 (10 steps), promoting, finalising, succeeded: each a tick.
        Assert.InRange(ticks, 12, 14);
        // A tick is its start, the episode its activity's result wakes, and the wake-up (timer or signal) of the next one.
        Assert.InRange(episodes, ticks, 3 * ticks);
    }
}
