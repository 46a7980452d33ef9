using Flagger.Core.Analysis;
using Flagger.Core.Model;

namespace Flagger.Core.Ports;

/// <summary>The Kubernetes side of a canary: the Canary object, its target and primary Deployments, Services.</summary>
public interface ICanaryCluster
{
    Task<Canary?> GetCanaryAsync(string @namespace, string name, CancellationToken cancellationToken);

    /// <summary>
    /// Converges what Flagger generates before every tick (the primary Deployment when absent, with its
    /// ConfigMap and Secret copies, and the <c>-primary</c> and <c>-canary</c> Services), then reads the target
    /// revision, its tracked configs and both readiness states.
    /// </summary>
    Task<WorkloadObservation> SyncWorkloadAsync(Canary canary, DateTimeOffset now, CancellationToken cancellationToken);

    Task ScaleTargetToZeroAsync(Canary canary, CancellationToken cancellationToken);

    /// <summary>Scales the target up for a new run (spec §3.4).</summary>
    Task ScaleTargetUpAsync(Canary canary, CancellationToken cancellationToken);

    /// <summary>Copies the target's pod spec and configs to the primary (spec §3.3). Repeating it is harmless.</summary>
    Task PromotePrimaryAsync(Canary canary, CancellationToken cancellationToken);

    /// <summary>
    /// Scales the primary to at least <paramref name="replicas"/>, never down; with <paramref name="holdMinimum"/> the
    /// primary autoscaler's minimum is raised to it too (its own minimum is kept aside for the release). Repeating it is harmless.
    /// </summary>
    Task ScalePrimaryUpAsync(Canary canary, int replicas, bool holdMinimum, CancellationToken cancellationToken);

    /// <summary>Restores the primary autoscaler's own minimum after <see cref="ScalePrimaryUpAsync"/> held it; nothing when none is held.</summary>
    Task ReleasePrimaryScalerAsync(Canary canary, CancellationToken cancellationToken);

    Task WriteStatusAsync(Canary canary, CanaryStatus status, CancellationToken cancellationToken);

    /// <summary>Adds <see cref="CanaryFinalizer.Name"/> to the Canary's finalizers (others kept), guarded by its resourceVersion.</summary>
    Task AddFinalizerAsync(Canary canary, CancellationToken cancellationToken);

    /// <summary>
    /// Removes <see cref="CanaryFinalizer.Name"/> (others kept). <paramref name="lastStatus"/>, when given, is
    /// written first: once the last finalizer of a deleted Canary goes, so does the Canary. A Canary already
    /// gone, or without the finalizer, is left as it is.
    /// </summary>
    Task RemoveFinalizerAsync(Canary canary, CanaryStatus? lastStatus, CancellationToken cancellationToken);

    /// <summary>Reads the target of a deleted Canary: whether it exists, already has the replicas <see cref="RestoreTargetAsync"/> gives it, and is ready. Creates nothing.</summary>
    Task<TerminationObservation> ObserveTerminationAsync(Canary canary, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Gives the target back its replicas: the primary's; with no primary, the scale-from-zero rule; with an HPA, its minimum (spec §2.12).</summary>
    Task RestoreTargetAsync(Canary canary, CancellationToken cancellationToken);

    /// <summary>Points the apex Service back at the target's pods when the user created it (not owned by the Canary); a generated one is left to garbage collection.</summary>
    Task RevertApexServiceAsync(Canary canary, CancellationToken cancellationToken);

    /// <summary>The Kubernetes Events about this Canary (this object: same uid when it has one), newest first, as <c>kubectl describe</c> lists them.</summary>
    Task<IReadOnlyList<CanaryEvent>> ListEventsAsync(Canary canary, CancellationToken cancellationToken);
}

/// <summary>A Kubernetes Event on a Canary: <paramref name="Type"/> is Normal or Warning; <paramref name="Count"/> how often it was recorded.</summary>
public sealed record CanaryEvent(string Type, string Reason, string Message, int Count, DateTimeOffset? FirstSeen, DateTimeOffset? LastSeen, string? Source);
