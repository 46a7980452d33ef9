using System.Text.Json.Serialization;
using Flagger.Core.Model;

namespace Flagger.Core.Analysis;

/// <summary>
/// One effect of a tick, applied in order by the apply step. Every action is idempotent (absolute weights,
/// absolute replica targets), so an apply that is retried after a crash converges to the same world.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "action")]
[JsonDerivedType(typeof(SetRoutes), "setRoutes")]
[JsonDerivedType(typeof(ScaleTargetToZero), "scaleTargetToZero")]
[JsonDerivedType(typeof(ScaleTargetUp), "scaleTargetUp")]
[JsonDerivedType(typeof(PromotePrimary), "promotePrimary")]
[JsonDerivedType(typeof(ScalePrimaryUp), "scalePrimaryUp")]
[JsonDerivedType(typeof(ReleasePrimaryScaler), "releasePrimaryScaler")]
[JsonDerivedType(typeof(RecordEvent), "recordEvent")]
[JsonDerivedType(typeof(SendAlert), "sendAlert")]
[JsonDerivedType(typeof(RunPostRolloutHooks), "runPostRolloutHooks")]
[JsonDerivedType(typeof(AddFinalizer), "addFinalizer")]
[JsonDerivedType(typeof(RemoveFinalizer), "removeFinalizer")]
[JsonDerivedType(typeof(RestoreTarget), "restoreTarget")]
[JsonDerivedType(typeof(RevertApexService), "revertApexService")]
[JsonDerivedType(typeof(RevertRoutes), "revertRoutes")]
public abstract record CanaryAction;

public sealed record SetRoutes(int PrimaryWeight, int CanaryWeight, bool Mirrored = false) : CanaryAction
{
    /// <summary>With session affinity: the cookies the route is built with, also written to the status (<see cref="SessionAffinityCookies"/>).</summary>
    public SessionCookies? Cookies { get; init; }
}

public sealed record ScaleTargetToZero : CanaryAction;

/// <summary>Scale the target from zero for a new run (spec §3.4).</summary>
public sealed record ScaleTargetUp : CanaryAction;

/// <summary>Copy the target's pod spec (and its ConfigMaps and Secrets) to the primary (spec §3.3).</summary>
public sealed record PromotePrimary : CanaryAction;

/// <summary>
/// With an autoscaler, before traffic moves back to the primary: scale the primary Deployment to at least
/// <paramref name="Replicas"/> (never down). With <paramref name="HoldMinimum"/> the primary autoscaler's minimum is
/// raised to the same number until <see cref="ReleasePrimaryScaler"/>, so it cannot scale the primary back down
/// while the primary carries little traffic yet.
/// </summary>
public sealed record ScalePrimaryUp(int Replicas, bool HoldMinimum) : CanaryAction;

/// <summary>Give the primary autoscaler back the minimum a <see cref="ScalePrimaryUp"/> held up; nothing when none is held.</summary>
public sealed record ReleasePrimaryScaler : CanaryAction;

public sealed record RecordEvent(EventSeverity Severity, string Message, CanaryPhase? Phase) : CanaryAction;

public sealed record SendAlert(AlertSeverity Severity, string Message, IReadOnlyDictionary<string, string> Fields, CanaryPhase? Phase) : CanaryAction;

/// <summary>Call the post-rollout hooks with the given payload phase; their results become events.</summary>
public sealed record RunPostRolloutHooks(CanaryPhase Phase) : CanaryAction;

/// <summary>Add <see cref="CanaryFinalizer.Name"/> to the Canary (revertOnDeletion turned on), keeping other finalizers.</summary>
public sealed record AddFinalizer : CanaryAction;

/// <summary>
/// Remove <see cref="CanaryFinalizer.Name"/> (revertOnDeletion turned off, or the deleted Canary is finalized:
/// Kubernetes then removes it). A Canary already gone counts as done.
/// </summary>
public sealed record RemoveFinalizer : CanaryAction;

/// <summary>Finalizing: give the target back its replicas (the primary's, else the scale-from-zero rule; the HPA minimum with an autoscaler).</summary>
public sealed record RestoreTarget : CanaryAction;

/// <summary>Finalizing: point a user-created apex Service back at the target's pods (a generated one is garbage-collected).</summary>
public sealed record RevertApexService : CanaryAction;

/// <summary>Finalizing: the router puts back what it changed outside the Canary's own objects (<c>ITrafficRouter.RevertAsync</c>).</summary>
public sealed record RevertRoutes : CanaryAction;

[JsonConverter(typeof(JsonStringEnumConverter<EventSeverity>))]
public enum EventSeverity
{
    /// <summary>A Normal Kubernetes event.</summary>
    Info,

    /// <summary>A Warning Kubernetes event.</summary>
    Warning,

    /// <summary>A Warning Kubernetes event for errors.</summary>
    Error,
}

[JsonConverter(typeof(JsonStringEnumConverter<AlertSeverity>))]
public enum AlertSeverity
{
    Info,
    Warn,
    Error,
}

/// <summary>The outcome of one tick: ordered effects, and the status to write (null when nothing changed).</summary>
public sealed record TickDecision(
    IReadOnlyList<CanaryAction> Actions,
    CanaryStatus? NextStatus,
    CheckReport Checks,
    string Summary)
{
    /// <summary>The tick went past its operations: a step was due (or the phase is not paced), so it counts as a step.</summary>
    public bool Stepped { get; init; }

    /// <summary>The tick got past the rollback checks to the analysis (pre-rollout hooks, or rollout hooks and metrics): Flagger times these.</summary>
    public bool Analysed { get; init; }

    [JsonIgnore]
    public IEnumerable<string> EventMessages => Actions.OfType<RecordEvent>().Select(e => e.Message);
}

/// <summary>Either the checks the tick needs first, or the decision itself.</summary>
public sealed record TickStep(CheckPlan? Plan, TickDecision? Decision);
