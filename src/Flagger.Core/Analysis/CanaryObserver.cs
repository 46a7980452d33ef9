using Flagger.Core.Model;
using Flagger.Core.Ports;

namespace Flagger.Core.Analysis;

/// <summary>The "observe" step of a tick: converge the generated objects as Flagger does, then read the world once.</summary>
public sealed class CanaryObserver(ICanaryCluster cluster, ITrafficRouter router)
{
    /// <returns>Null when the Canary no longer exists.</returns>
    public async Task<CanaryObservation?> ObserveAsync(string @namespace, string name, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var canary = await cluster.GetCanaryAsync(@namespace, name, cancellationToken);
        if (canary is null)
        {
            return null;
        }

        // Nothing is created for a suspended or invalid canary; the decision says why.
        var unsynced = new CanaryObservation(canary, now, WorkloadObservation.Unusable("not synced"), RouteObservation.NotSynced);

        // Nor for one being deleted: finalizing reads the target only (spec §2.12).
        if (CanaryFinalizer.IsBeingDeleted(canary))
        {
            return CanaryFinalizer.IsHeld(canary) && canary.Spec.RevertOnDeletion
                ? unsynced with { Termination = await cluster.ObserveTerminationAsync(canary, now, cancellationToken) }
                : unsynced;
        }

        if (canary.Spec.Suspend || !unsynced.Validation.IsValid)
        {
            return unsynced;
        }

        var workload = await cluster.SyncWorkloadAsync(canary, now, cancellationToken);
        if (workload.Problem is not null)
        {
            return unsynced with { Workload = workload };
        }

        // Traffic is not put on a primary that is still initializing (spec §2.4 steps 8–12).
        var initializing = CanaryPhases.IsInitializing(canary.Status?.Phase);
        var routes = initializing && !canary.Spec.SkipAnalysis && !workload.Primary.IsReady
            ? RouteObservation.NotSynced
            : await router.SyncAsync(canary, cancellationToken);

        return unsynced with { Workload = workload, Routes = routes };
    }
}
