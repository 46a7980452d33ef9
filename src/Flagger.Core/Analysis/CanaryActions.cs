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
[JsonDerivedType(typeof(RecordEvent), "recordEvent")]
[JsonDerivedType(typeof(SendAlert), "sendAlert")]
[JsonDerivedType(typeof(RunPostRolloutHooks), "runPostRolloutHooks")]
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

public sealed record RecordEvent(EventSeverity Severity, string Message, CanaryPhase? Phase) : CanaryAction;

public sealed record SendAlert(AlertSeverity Severity, string Message, IReadOnlyDictionary<string, string> Fields, CanaryPhase? Phase) : CanaryAction;

/// <summary>Call the post-rollout hooks with the given payload phase; their results become events.</summary>
public sealed record RunPostRolloutHooks(CanaryPhase Phase) : CanaryAction;

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
