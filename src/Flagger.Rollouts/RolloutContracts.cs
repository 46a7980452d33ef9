using Flagger.Core.Analysis;
using Flagger.Core.Model;

namespace Flagger.Rollouts;

/// <summary>
/// What one canary's orchestration carries from tick to tick (through <c>ContinueAsNew</c>): who it is and the
/// operations asked for since the last tick. Everything else lives in the cluster and the state store.
/// </summary>
/// <param name="Interval">Overrides the canary's analysis interval (tests and the sandbox use short ones).</param>
/// <param name="IdleGrace">How long an idle canary's instance waits for late signals before it ends; null: <see cref="CanaryRollout.IdleGrace"/>.</param>
public sealed record RolloutInput(string Namespace, string Name, IReadOnlyList<CanaryOperation> Operations, TimeSpan? Interval = null, TimeSpan? IdleGrace = null)
{
    public static string InstanceId(string @namespace, string name) => $"canary.{@namespace}.{name}";
}

public sealed record ObserveRequest(string Namespace, string Name, DateTimeOffset Now, IReadOnlyList<CanaryOperation> Operations);

/// <param name="Observation">Null when the Canary no longer exists: the orchestration ends.</param>
/// <param name="Plan">The checks the tick needs, or null when it can be decided without any.</param>
/// <param name="Sequence">This tick's number for the canary (the last stored one plus one): it makes apply idempotent.</param>
public sealed record ObserveResult(CanaryObservation? Observation, CheckPlan? Plan, long Sequence);

public sealed record ChecksRequest(Canary Canary, CheckPlan Plan);

public sealed record ApplyRequest(CanaryObservation Observation, CheckReport? Report, long Sequence);

/// <param name="Active">False once the canary is idle (Initialized, Succeeded, Failed): the orchestration ends.</param>
public sealed record TickOutcome(CanaryPhase? Phase, bool Active, TimeSpan Interval, string Summary);
