using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Rollouts;
using Flagger.Testing.Canaries;
using Flagger.Testing.Registry;

namespace Flagger.Rollouts.Tests;

/// <summary>Adoption from Flagger through the tick's activities: only while no tick of ours changed the status (the checkpoint says).</summary>
public sealed class RolloutStepsAdoptionTests
{
    private readonly InMemoryWorld _world = FlaggerFixture.Load("flagger-1.44-succeeded.yaml").World();
    private readonly InMemoryRolloutStore _store = new();
    private readonly InMemoryOperationInbox _inbox = new();

    /// <summary>A new host process: new activities over the same state store and cluster.</summary>
    private RolloutSteps Host() => new(
        new CanaryObserver(_world, _world), new CheckRunner(_world, _world), new DecisionApplier(_world, _world, _world, _world, _world),
        new SeparateTickStateReader(_store, _inbox), _store, _inbox);

    private async Task TickAsync(RolloutSteps steps)
    {
        await steps.TickAsync(new TickRequest("test", "podinfo", _world.Now, Guid.NewGuid().ToString("N")), CancellationToken.None);
        _world.Now += _world.Canary.Analysis.GetInterval();
    }

    private int Adoptions => _world.EventMessages.Count(m => m.StartsWith("Adopted podinfo.test from Flagger", StringComparison.Ordinal));

    [Fact]
    public async Task FirstTick_WithoutCheckpoint_Adopts_AndAfterARestartNothingIsAdoptedOrRunAgain()
    {
        await TickAsync(Host());
        Assert.Equal(1, Adoptions);
        Assert.Equal("ghcr.io/stefanprodan/podinfo:6.1.0", _world.Status.LastPromotedSpec);
        Assert.NotNull(await _store.GetCheckpointAsync("test", "podinfo", CancellationToken.None));

        var restarted = Host();
        await TickAsync(restarted);
        await TickAsync(restarted);

        Assert.Single(_world.Events);
        Assert.Equal(CanaryPhase.Succeeded, _world.Phase);
        Assert.Empty(_world.HookCalls);
        Assert.Empty(_world.Alerts);
    }

    [Fact]
    public async Task ASuspendedCanary_IsAdoptedOnceResumed_ItsTicksLeftFlaggersStatusAsItWas()
    {
        _world.Canary.Spec.Suspend = true;
        var steps = Host();
        await TickAsync(steps);
        await TickAsync(steps);
        Assert.NotNull(await _store.GetCheckpointAsync("test", "podinfo", CancellationToken.None));
        Assert.Equal(0, Adoptions);

        _world.Canary.Spec.Suspend = false;
        await TickAsync(steps);

        Assert.Equal(1, Adoptions);
        Assert.Equal(CanaryPhase.Succeeded, _world.Phase);
        Assert.Empty(_world.HookCalls);
    }

    [Fact]
    public async Task AFlaggerStatus_OnceACheckpointOfOursExists_IsNotAdopted()
    {
        var flaggers = _world.Status;
        await TickAsync(Host());

        // Flagger, still running somewhere, writes its status back: we ticked this canary already, so no adoption.
        _world.Canary.Status = flaggers;
        await TickAsync(Host());

        Assert.Equal(1, Adoptions);
        Assert.Equal(CanaryPhase.Progressing, _world.Phase);
    }
}
