using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Rollouts.Api;
using Flagger.Rollouts;
using Flagger.Infrastructure.State;
using Flagger.Testing.Canaries;
using Flagger.Testing.Registry;
using Microsoft.Extensions.Options;

namespace Flagger.Rollouts.Tests;

/// <summary>The periodic resync on the in-process Durable Task host.</summary>
public sealed class CanarySweepTests
{
    private static CanarySweep Sweep(RolloutHost host, InMemoryCanaryCatalog catalog) =>
        new(catalog, host.World, host.Store, host.Inbox, new SeparateTickStateReader(host.Store, host.Inbox), Options.Create(new StateStoreOptions()), TimeProvider.System);

    [Fact]
    public async Task RunAsync_NewCanary_StartsItsRollout()
    {
        await using var host = await RolloutHost.StartAsync(new InMemoryWorld(Podinfo.Canary().Build()));
        var catalog = new InMemoryCanaryCatalog().Add("test", "podinfo", "podinfo:1.0.0");

        var report = await Sweep(host, catalog).RunAsync(host.Client, host.Scheduler, CancellationToken.None);

        Assert.Equal(["test/podinfo"], report.Started);
        await host.CompletedAsync();
        Assert.Equal(CanaryPhase.Initialized, host.Phase);
    }

    [Fact]
    public async Task RunAsync_IdleWithAnOperationWhoseWakeUpWasLost_StartsTheRolloutThatAppliesIt()
    {
        await using var host = await RolloutHost.StartAsync(new InMemoryWorld(Podinfo.Canary().Build()));
        var catalog = new InMemoryCanaryCatalog().Add("test", "podinfo", "podinfo:1.0.0");
        await host.StartAsync();
        await host.CompletedAsync();
        // Accepted while the instance was ending: stored, but its signal reached nobody.
        await host.Inbox.EnqueueAsync("test", "podinfo", new Core.Analysis.CanaryOperation(Core.Analysis.CanaryOperationKind.Pause, "ops", DateTimeOffset.UtcNow), CancellationToken.None);

        var report = await Sweep(host, catalog).RunAsync(host.Client, host.Scheduler, CancellationToken.None);

        Assert.Equal(["test/podinfo"], report.Started);
        await host.UntilAsync(() => host.World.Canary.Status?.Paused == true);
        Assert.Empty(await host.Inbox.PendingAsync("test", "podinfo", 0, CancellationToken.None));
    }

    [Fact]
    public async Task RunAsync_IdleAndUnchanged_StartsNothing_ButAChangeMadeWithKubectlIsPickedUp()
    {
        await using var host = await RolloutHost.StartAsync(new InMemoryWorld(Podinfo.Canary().Build()));
        var catalog = new InMemoryCanaryCatalog().Add("test", "podinfo", "podinfo:1.0.0");
        await host.StartAsync();
        await host.CompletedAsync();

        var idle = await Sweep(host, catalog).RunAsync(host.Client, host.Scheduler, CancellationToken.None);
        host.World.UpdateTarget("podinfo:2.0.0");
        var changed = await Sweep(host, catalog).RunAsync(host.Client, host.Scheduler, CancellationToken.None);

        Assert.Empty(idle.Started);
        Assert.Equal(["test/podinfo"], changed.Started);
        await host.CompletedAsync();
        Assert.Equal(CanaryPhase.Succeeded, host.Phase);
    }

    [Fact]
    public async Task RunAsync_IdleCanaryDeletedWhileHoldingTheFinalizer_StartsTheRolloutThatRevertsAndReleasesIt()
    {
        await using var host = await RolloutHost.StartAsync(new InMemoryWorld(Podinfo.Canary().WithRevertOnDeletion().Build()));
        var catalog = new InMemoryCanaryCatalog().Add("test", "podinfo", "podinfo:1.0.0");
        await host.StartAsync();
        await host.CompletedAsync();
        Assert.Equal((CanaryPhase.Initialized, 0), (host.Phase!.Value, host.World.Target.Replicas));
        host.World.Delete();

        var report = await Sweep(host, catalog).RunAsync(host.Client, host.Scheduler, CancellationToken.None);

        Assert.Equal(["test/podinfo"], report.Started);
        await host.UntilAsync(() => host.World.Deleted);
        await host.CompletedAsync();
        Assert.Equal(1, host.World.Target.Replicas);
        Assert.Equal(CanaryPhase.Terminated, (await host.Store.GetCheckpointAsync("test", "podinfo", CancellationToken.None))!.Status.Phase);
        var after = await Sweep(host, new InMemoryCanaryCatalog()).RunAsync(host.Client, host.Scheduler, CancellationToken.None);
        Assert.Equal(["test/podinfo"], after.Removed);
    }

    [Fact]
    public async Task RunAsync_IdleCanaryWhoseRevertOnDeletionWasTurnedOn_StartsTheRolloutThatAddsTheFinalizer()
    {
        await using var host = await RolloutHost.StartAsync(new InMemoryWorld(Podinfo.Canary().Build()));
        var catalog = new InMemoryCanaryCatalog().Add("test", "podinfo", "podinfo:1.0.0");
        await host.StartAsync();
        await host.CompletedAsync();
        host.World.Canary.Spec.RevertOnDeletion = true;

        var report = await Sweep(host, catalog).RunAsync(host.Client, host.Scheduler, CancellationToken.None);

        Assert.Equal(["test/podinfo"], report.Started);
        await host.UntilAsync(() => host.World.Canary.Metadata.Finalizers?.Contains(Core.Analysis.CanaryFinalizer.Name) == true);
    }

    [Fact]
    public async Task RunAsync_ActiveCanaryDeletedWithoutOurFinalizer_StartsNothing()
    {
        await using var host = await RolloutHost.StartAsync(new InMemoryWorld(Podinfo.Canary().With(c => c.Metadata.Finalizers = ["example.com/other"]).Build()));
        var catalog = new InMemoryCanaryCatalog().Add("test", "podinfo", "podinfo:1.0.0");
        await host.StartAsync();
        await host.CompletedAsync();
        host.World.Canary.Status = host.World.Status with { Phase = CanaryPhase.Progressing };
        host.World.Delete();

        var report = await Sweep(host, catalog).RunAsync(host.Client, host.Scheduler, CancellationToken.None);

        Assert.Empty(report.Started);
    }

    [Fact]
    public async Task RunAsync_DeletedCanary_ForgetsItsCheckpoint()
    {
        await using var host = await RolloutHost.StartAsync(new InMemoryWorld(Podinfo.Canary().Build()));
        await host.Store.SaveCheckpointAsync(new CanaryCheckpoint("test", "gone", 4, new CanaryStatus { Phase = CanaryPhase.Succeeded }, 100, 0, DateTimeOffset.UtcNow), CancellationToken.None);

        var report = await Sweep(host, new InMemoryCanaryCatalog()).RunAsync(host.Client, host.Scheduler, CancellationToken.None);

        Assert.Equal(["test/gone"], report.Removed);
        Assert.Null(await host.Store.GetCheckpointAsync("test", "gone", CancellationToken.None));
    }

    [Fact]
    public async Task RolloutMetrics_AfterARun_ExportFlaggersNames()
    {
        await using var host = await RolloutHost.StartAsync(new InMemoryWorld(Podinfo.Canary().Build()));
        await host.StartAsync();
        await host.CompletedAsync();
        host.World.UpdateTarget("podinfo:2.0.0");
        host.World.Canary.Analysis.Threshold = 1;
        host.World.SetMeasurement(CanaryMetric.RequestSuccessRate, 42);
        await host.StartAsync();
        await host.CompletedAsync();
        using var output = new MemoryStream();

        await new RolloutMetrics(host.Store, host.World).WriteAsync(output, CancellationToken.None);

        var text = System.Text.Encoding.UTF8.GetString(output.ToArray());
        Assert.Contains("flagger_canary_status{name=\"podinfo\",namespace=\"test\"} 2", text, StringComparison.Ordinal);
        Assert.Contains("flagger_canary_weight{workload=\"podinfo-primary\",namespace=\"test\"} 100", text, StringComparison.Ordinal);
        Assert.Contains("flagger_canary_total{namespace=\"test\"} 1", text, StringComparison.Ordinal);
    }
}
