using Flagger.Core.Model;
using Flagger.Core.Routing;

namespace Flagger.Core.Analysis;

/// <summary>
/// revertOnDeletion (spec §2.12, Flagger's <c>finalizer.go</c>): the finalizer follows the field, and a deleted
/// Canary that holds it is finalized before anything else the tick would do.
/// </summary>
internal sealed partial class TickDecider
{
    /// <summary>
    /// Adds or removes the finalizer as revertOnDeletion (or a user's route) says, whatever else the tick does (as Flagger's sync
    /// does, suspended or not). For a Canary being deleted, the tick is about the deletion only: true when it
    /// ends here.
    /// </summary>
    private bool SyncFinalizer()
    {
        var held = CanaryFinalizer.IsHeld(_canary);
        if (!CanaryFinalizer.IsBeingDeleted(_canary))
        {
            var wanted = CanaryFinalizer.IsWanted(_canary);
            if (wanted != held)
            {
                _actions.Add(wanted ? new AddFinalizer() : new RemoveFinalizer());
            }

            return false;
        }

        // Without our finalizer the Canary is no longer ours to act on: it goes when its other finalizers do.
        if (held)
        {
            Terminate();
        }

        return true;
    }

    /// <summary>
    /// Flagger's finalize, as ticks: Terminating (and its event); the target's replicas restored; once the
    /// target is ready (a not-ready one ends the tick, and the next retries: the finalizer is never removed
    /// before), a user-created apex Service back on the target's pods and the router reverted; then Terminated,
    /// written just before the finalizer is removed (Flagger never writes it), and "Terminated canary". Every
    /// tick here is a step, and operations are refused: the canary is going.
    /// </summary>
    private void Terminate()
    {
        _stepped = true;
        foreach (var operation in _observation.Operations)
        {
            Event(EventSeverity.Warning, $"Operation {operation.Kind} on {Who} refused: the canary is being deleted");
        }

        if (!_canary.Spec.RevertOnDeletion)
        {
            // No revert asked for (or turned off after the finalizer was added); a user's route is still theirs to get back.
            Event(EventSeverity.Info, $"Deleting canary {Who} without reverting {TargetWho}: revertOnDeletion is off");
            if (RouteKind.IsUserRoute(_canary))
            {
                Event(EventSeverity.Info, $"Giving back {_canary.Spec.RouteRef!.Kind} {_canary.Spec.RouteRef.Name} as its owner wrote it");
                _actions.Add(new RevertRoutes());
            }

            _actions.Add(new RemoveFinalizer());
            return;
        }

        if (Phase == CanaryPhase.Terminated)
        {
            // Reverted and written by a tick whose finalizer removal did not land.
            _actions.Add(new RemoveFinalizer());
            return;
        }

        if (Phase != CanaryPhase.Terminating)
        {
            SetPhase(CanaryPhase.Terminating);
            Event(EventSeverity.Info, $"Terminating canary {Who}");
        }

        var target = _observation.Termination ?? TerminationObservation.TargetMissing;
        if (!target.Found)
        {
            Event(EventSeverity.Warning, $"{TargetWho} not found: nothing to revert");
            FinishTermination();
            return;
        }

        if (!target.Restored)
        {
            Event(EventSeverity.Info, $"Restoring the replicas of {TargetWho}");
            _actions.Add(new RestoreTarget());
            return;
        }

        if (!target.Target.IsReady)
        {
            NotReadyEvent(TargetWho, target.Target);
            return;
        }

        _actions.Add(new RevertApexService());
        _actions.Add(new RevertRoutes());
        FinishTermination();
    }

    private void FinishTermination()
    {
        SetPhase(CanaryPhase.Terminated);
        Event(EventSeverity.Info, $"Terminated canary {Who}");
        _actions.Add(new RemoveFinalizer());
    }
}
