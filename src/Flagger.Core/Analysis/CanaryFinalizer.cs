using Flagger.Core.Model;
using Flagger.Core.Routing;
using Flagger.Core.Workloads;

namespace Flagger.Core.Analysis;

/// <summary>
/// <c>spec.revertOnDeletion</c> (spec §2.12, Flagger's <c>finalizer.go</c>): the Canary carries the finalizer
/// <see cref="Name"/> while the field is true, so that deleting it waits until the tick has put the target back
/// (replicas, apex Service selector, router) and removed the finalizer. A Canary attached to a route of the
/// user's own holds it too, revertOnDeletion or not: that route is the user's, and is given back as they wrote it.
/// </summary>
public static class CanaryFinalizer
{
    public const string Name = "finalizer.flagger.app";

    /// <summary>How soon a Terminating canary's rollout ticks again (at most its interval), as Flagger's finalizer retries readiness within seconds.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    public static bool IsHeld(Canary canary) => canary.Metadata.Finalizers?.Contains(Name) == true;

    /// <summary>The Canary should hold the finalizer: revertOnDeletion, or a user's route to give back.</summary>
    public static bool IsWanted(Canary canary) => canary.Spec.RevertOnDeletion || RouteKind.IsUserRoute(canary);

    /// <summary>Kubernetes set <c>metadata.deletionTimestamp</c>: the Canary goes once its finalizers are removed.</summary>
    public static bool IsBeingDeleted(Canary canary) => canary.Metadata.DeletionTimestamp is not null;

    /// <summary>The tick has finalizer work: add it, remove it, or finalize a Canary being deleted that holds it.</summary>
    public static bool HasWork(Canary canary) =>
        IsBeingDeleted(canary) ? IsHeld(canary) : IsWanted(canary) != IsHeld(canary);

    /// <summary>
    /// Being deleted without our finalizer (not wanted; other finalizers keep it for now): nothing is
    /// done to it any more, and its rollout ends, as if it were gone.
    /// </summary>
    public static bool IsLetGo(Canary canary) => IsBeingDeleted(canary) && !IsHeld(canary);
}

/// <summary>What finalizing a deleted Canary needs to know about its target, read without creating anything.</summary>
/// <param name="Found">The target Deployment exists (otherwise there is nothing to revert).</param>
/// <param name="Restored">The target already has the replicas the revert gives it (<see cref="RestoreTarget"/>).</param>
/// <param name="Target">The target's readiness.</param>
public sealed record TerminationObservation(bool Found, bool Restored, Readiness Target)
{
    public static readonly TerminationObservation TargetMissing = new(false, false, Readiness.Waiting("not found"));
}
