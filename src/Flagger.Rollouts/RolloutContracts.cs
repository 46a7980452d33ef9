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

/// <summary>The tick activity's input: which canary, and the orchestration's view of the tick. About 150 bytes.</summary>
/// <param name="Now">The orchestration's clock when the tick began: every interval is measured on it.</param>
/// <param name="TickId">The tick's identity, replay-safe (the orchestration's <c>NewGuid</c>): every attempt of the activity gets the same one.</param>
/// <param name="Interval">The interval override of <see cref="RolloutInput.Interval"/>, if any.</param>
public sealed record TickRequest(string Namespace, string Name, DateTimeOffset Now, string TickId, TimeSpan? Interval = null);

/// <summary>The tick activity's output, all the orchestration needs to wait for the next one.</summary>
/// <param name="Active">False once the canary is idle (Initialized, Succeeded, Failed): the orchestration may end.</param>
/// <param name="NextTickAt">When the next tick is due on the orchestration's clock: the last step plus the interval.</param>
/// <param name="OperationsPending">Operations arrived in the inbox after this tick's: an idle instance must not end yet.</param>
public sealed record TickOutcome(CanaryPhase? Phase, bool Active, DateTimeOffset NextTickAt, string Summary, bool OperationsPending = false);
