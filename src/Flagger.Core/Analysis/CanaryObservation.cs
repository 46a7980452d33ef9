using System.Text.Json.Serialization;
using Flagger.Core.Model;
using Flagger.Core.Workloads;

namespace Flagger.Core.Analysis;

/// <summary>Everything one tick needs to know about the world, read at once by the observe step.</summary>
public sealed record CanaryObservation(
    Canary Canary,
    DateTimeOffset Now,
    WorkloadObservation Workload,
    RouteObservation Routes)
{
    private CanaryValidation? _validation;

    public Canary Canary
    {
        get;
        init
        {
            field = value;
            _validation = null;
        }
    } = Canary;

    /// <summary>Run-time operations asked for since the last tick, applied in order (an abort first).</summary>
    public IReadOnlyList<CanaryOperation> Operations { get; init; } = [];

    /// <summary>
    /// When the next step may happen: the last step's time plus the analysis interval, from stored state. Before
    /// it, a tick in a paced phase (<see cref="CanaryPhases.IsPaced"/>) applies operations and nothing else, so
    /// a wake-up (a push, an operation, a redelivery) never shortens an interval. Null: due now.
    /// </summary>
    public DateTimeOffset? StepDueAt { get; init; }

    /// <summary>
    /// The host's gate timeout for canaries without the <see cref="GateTimeoutAnnotation"/> (<see cref="GateTimeout"/>),
    /// set by the observe step from its settings, so the decision never reads configuration. Null: none.
    /// </summary>
    public TimeSpan? DefaultGateTimeout { get; init; }

    /// <summary>
    /// No tick of ours changed this canary's status yet (no checkpoint, or its stored status is still the one
    /// Flagger wrote): the tick that may adopt a status Flagger wrote (<see cref="FlaggerAdoption"/>). False unless
    /// the caller knows.
    /// </summary>
    public bool FirstSeen { get; init; }

    /// <summary>The target as finalizing needs it, read only for a deleted Canary whose finalizer is ours and revertOnDeletion on; null otherwise.</summary>
    public TerminationObservation? Termination { get; init; }

    /// <summary>
    /// The Canary's validation, computed once for this observation and shared by the observer, the plan and the
    /// decider (a copy made with <c>with</c> keeps it unless the Canary is replaced). Not serialised: an activity
    /// that receives the observation validates the Canary it received.
    /// </summary>
    [JsonIgnore]
    public CanaryValidation Validation => _validation ??= CanaryValidator.Validate(Canary);
}

/// <summary>The target Deployment and its primary copy, after the generated objects were converged.</summary>
public sealed record WorkloadObservation(
    string TargetRevision,
    IReadOnlyDictionary<string, string> TrackedConfigs,
    Readiness Target,
    Readiness Primary,
    string? Problem = null)
{
    /// <summary>
    /// Whether the primary is the copy a promotion of the target makes (pod template, labels and config references
    /// renamed as a promotion renames them, the <c>flagger-id</c> annotation aside, every tracked ConfigMap and
    /// Secret equal to its <c>-primary</c> copy). Compared only when the status is Flagger's
    /// (<see cref="FlaggerAdoption.IsFlaggerStatus"/>); null otherwise.
    /// </summary>
    public bool? PrimaryMatchesTarget { get; init; }

    /// <summary>The replicas of both Deployments and the primary autoscaler's bounds; null without an <c>autoscalerRef</c>.</summary>
    public ScalingObservation? Scaling { get; init; }

    /// <summary>The target could not be read or used (missing, no selector label, missing config): the tick stops.</summary>
    public static WorkloadObservation Unusable(string problem) =>
        new("", new Dictionary<string, string>(), Readiness.Waiting(problem), Readiness.Waiting(problem), problem);
}

/// <summary>
/// With an <c>autoscalerRef</c>: the replicas the target and the primary are scaled to (their <c>spec.replicas</c>, what
/// their autoscalers last decided), the primary autoscaler's maximum (null while it does not exist), and whether a
/// pre-scale holds its minimum up (<see cref="ScalePrimaryUp"/>).
/// </summary>
public sealed record ScalingObservation(int TargetReplicas, int PrimaryReplicas, int? PrimaryMaxReplicas, bool PrimaryMinimumHeld);

/// <summary>The traffic split read back from the router (the HTTPRoute is the source of truth, not the status).</summary>
public sealed record RouteObservation(bool IsSynced, bool IsReady, int PrimaryWeight, int CanaryWeight, bool Mirrored, string? Message)
{
    /// <summary>The version of the route that was read (its resourceVersion), so a change made on it can be guarded.</summary>
    public string? Version { get; init; }

    /// <summary>Routing was not reconciled yet: the primary is still initializing.</summary>
    public static readonly RouteObservation NotSynced = new(false, false, 100, 0, false, null);

    public static RouteObservation Ready(int primaryWeight, int canaryWeight, bool mirrored = false) =>
        new(true, true, primaryWeight, canaryWeight, mirrored, null);

    /// <summary>The gateway has not accepted the last change yet, or the route could not be read.</summary>
    public static RouteObservation NotReady(string message) => new(true, false, 100, 0, false, message);
}
