using Flagger.Core.Analysis;
using Flagger.Core.Ports;
using Flagger.Infrastructure.State;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Flagger.Rollouts;

/// <summary>What one sweep did, for logs and tests.</summary>
public sealed record SweepReport(IReadOnlyList<string> Started, IReadOnlyList<string> Removed, int Seen);

/// <summary>
/// The periodic resync (timer trigger; a hosted service in Flagger.Host): starts the rollout of every owned
/// canary that is new, active without a running orchestration (after a restart or a reset task hub), idle
/// with operations waiting in its inbox, idle with a changed target (a GitOps or kubectl change, as Flagger would find it),
/// or idle with finalizer work (revertOnDeletion turned on or off, or the Canary deleted while it holds the
/// finalizer); forgets deleted canaries; prunes old history and deliveries.
/// </summary>
public sealed class CanarySweep(
    ICanaryCatalog catalog,
    ICanaryCluster cluster,
    IRolloutStore store,
    IOperationInbox inbox,
    ITickStateReader ticks,
    IOptions<StateStoreOptions> state,
    TimeProvider time)
{
    public async Task<SweepReport> RunAsync(DurableTaskClient client, IRolloutScheduler scheduler, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var owned = await catalog.ListAsync(cancellationToken);
        var started = new List<string>();
        foreach (var target in owned)
        {
            var instance = await client.GetInstanceAsync(RolloutInput.InstanceId(target.Namespace, target.Name), cancellationToken);
            if (instance is not null && DurableRolloutScheduler.IsAlive(instance.RuntimeStatus))
            {
                continue;
            }

            var canary = await cluster.GetCanaryAsync(target.Namespace, target.Name, cancellationToken);
            // Being deleted without our finalizer: nothing is done to it any more (its checkpoint goes with it).
            if (canary is null || CanaryFinalizer.IsLetGo(canary))
            {
                continue;
            }

            if (!CanaryPhases.Ticks(canary.Status) && !CanaryFinalizer.HasWork(canary)
                && !await HasPendingOperationsAsync(target.Namespace, target.Name, cancellationToken))
            {
                var workload = await cluster.SyncWorkloadAsync(canary, now, cancellationToken);
                if (workload.Problem is not null || !ChangeDetection.HasChanged(canary.Status!, workload.TargetRevision, workload.TrackedConfigs))
                {
                    continue;
                }
            }

            await scheduler.StartOrSignalAsync(target.Namespace, target.Name, RolloutSignal.Resync, cancellationToken);
            started.Add($"{target.Namespace}/{target.Name}");
        }

        var ownedKeys = owned.Select(t => (t.Namespace, t.Name)).ToHashSet();
        var removed = new List<string>();
        foreach (var checkpoint in await store.ListCheckpointsAsync(cancellationToken))
        {
            if (!ownedKeys.Contains((checkpoint.Namespace, checkpoint.Name)) &&
                await cluster.GetCanaryAsync(checkpoint.Namespace, checkpoint.Name, cancellationToken) is null)
            {
                await store.DeleteCheckpointAsync(checkpoint.Namespace, checkpoint.Name, cancellationToken);
                await inbox.TrimAsync(checkpoint.Namespace, checkpoint.Name, long.MaxValue, cancellationToken);
                removed.Add($"{checkpoint.Namespace}/{checkpoint.Name}");
            }
        }

        await store.PruneAsync(now - state.Value.HistoryRetention, now - state.Value.DeliveryTtl, cancellationToken);
        return new SweepReport(started, removed, owned.Count);
    }

    /// <summary>An operation accepted while the instance was ending (its wake-up had nobody to reach) still waits.</summary>
    private async Task<bool> HasPendingOperationsAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        (await ticks.ReadAsync(@namespace, name, cancellationToken)).Pending.Count > 0;
}
