using Flagger.Core.Analysis;
using Flagger.Core.Model;

namespace Flagger.Rollouts;

/// <summary>
/// What one canary's orchestration carries from tick to tick (through <c>ContinueAsNew</c>): who it is, and
/// test overrides. Everything else (the canary, its pending operations, when its next step is due) lives in
/// the cluster and the state store, so a restarted or duplicated instance decides the same way.
/// </summary>
/// <param name="Interval">Overrides the canary's analysis interval (tests and the sandbox use short ones).</param>
/// <param name="IdleGrace">How long an idle canary's instance waits for late signals before it ends; null: <see cref="CanaryRollout.IdleGrace"/>.</param>
public sealed record RolloutInput(string Namespace, string Name, TimeSpan? Interval = null, TimeSpan? IdleGrace = null)
{
    public static string InstanceId(string @namespace, string name) => $"canary.{@namespace}.{name}";
}

/// <param name="Now">The orchestration's clock: every interval is measured on it.</param>
/// <param name="Interval">The interval override of <see cref="RolloutInput.Interval"/>, if any.</param>
public sealed record ObserveRequest(string Namespace, string Name, DateTimeOffset Now, TimeSpan? Interval = null);

/// <summary>Where a tick stands in the canary's stored state, carried from observe to apply.</summary>
/// <param name="Sequence">This tick's number for the canary (the last stored one plus one): it makes apply idempotent.</param>
/// <param name="OperationsThrough">The number of the last inbox operation in the observation (or the last applied one when none is pending).</param>
/// <param name="LastStepAt">When the last step ran, from the checkpoint.</param>
/// <param name="Interval">The analysis interval in force (the override, else the canary's).</param>
public sealed record TickContext(long Sequence, long OperationsThrough, DateTimeOffset? LastStepAt, TimeSpan Interval)
{
    /// <summary>The canary's stats in the checkpoint this tick starts from: its commit stores them with this tick's counted in.</summary>
    public CanaryStats Stats { get; init; } = CanaryStats.Empty;

    /// <summary>How long the observe activity took: the first part of the tick's duration.</summary>
    public TimeSpan Observed { get; init; }
}

/// <param name="Observation">Null when the Canary no longer exists: the orchestration ends.</param>
/// <param name="Plan">The checks the tick needs, or null when it can be decided without any.</param>
/// <param name="Trace">The tick's trace context, for checks and apply (null when the tick is not traced): see <see cref="TickTracing"/>.</param>
public sealed record ObserveResult(CanaryObservation? Observation, CheckPlan? Plan, TickContext Context, TickTrace? Trace = null);

public sealed record ChecksRequest(Canary Canary, CheckPlan Plan, TickTrace? Trace = null);

public sealed record ApplyRequest(CanaryObservation Observation, CheckReport? Report, TickContext Context, TickTrace? Trace = null);

/// <param name="Active">False once the canary is idle (Initialized, Succeeded, Failed): the orchestration may end.</param>
/// <param name="NextTickAt">When the next tick is due on the orchestration's clock: the last step plus the interval.</param>
/// <param name="OperationsPending">Operations arrived in the inbox after this tick's: an idle instance must not end yet.</param>
public sealed record TickOutcome(CanaryPhase? Phase, bool Active, DateTimeOffset NextTickAt, string Summary, bool OperationsPending = false);
