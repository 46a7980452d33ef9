using System.Collections.Frozen;
using Flagger.Core.Model;

namespace Flagger.Core.Analysis;

/// <summary>
/// The phase machine in one table (spec §2.5, plus our run-time operations): for each phase, whether the rollout
/// keeps ticking in it, whether its steps wait for the analysis interval, whether it keeps the canary's weight, which phases it may move to, and which operations
/// apply in it. The decider, the observer, the cluster adapter and the operation API all read this table;
/// a transition the table does not list is a bug, and the decider refuses to write it.
/// </summary>
public static class CanaryPhases
{
    /// <param name="Ticks">The rollout keeps its timer running; in the other phases the canary is idle until something changes.</param>
    /// <param name="Paced">Steps (weight, iteration, promotion) wait for the analysis interval since the last step; other phases act when woken.</param>
    /// <param name="KeepsWeight">Entering the phase keeps the canary weight and iterations (Flagger's SetStatusPhase clears them otherwise).</param>
    /// <param name="Next">Phases reachable in one write (staying put is always allowed).</param>
    /// <param name="Operations">Operations that apply in the phase; <see cref="CanaryOperationKind.Pause"/> and <see cref="CanaryOperationKind.Resume"/> apply everywhere.</param>
    private sealed record Row(bool Ticks, bool Paced, bool KeepsWeight, CanaryPhase[] Next, CanaryOperationKind[] Operations);

    private const CanaryPhase Initializing = CanaryPhase.Initializing, Initialized = CanaryPhase.Initialized, Waiting = CanaryPhase.Waiting,
        Progressing = CanaryPhase.Progressing, WaitingPromotion = CanaryPhase.WaitingPromotion, Promoting = CanaryPhase.Promoting,
        Finalising = CanaryPhase.Finalising, Succeeded = CanaryPhase.Succeeded, Failed = CanaryPhase.Failed,
        Terminating = CanaryPhase.Terminating, Terminated = CanaryPhase.Terminated;

    private const CanaryOperationKind Promote = CanaryOperationKind.Promote, Abort = CanaryOperationKind.Abort,
        Retry = CanaryOperationKind.Retry, Approve = CanaryOperationKind.Approve;

    /// <summary>A Canary with no phase yet: the first tick moves it to Initializing.</summary>
    private static readonly Row s_new = new(Ticks: true, Paced: false, KeepsWeight: false, [Initializing, Terminating], []);

    private static readonly FrozenDictionary<CanaryPhase, Row> s_rows = new Dictionary<CanaryPhase, Row>
    {
        [Initializing] = new(Ticks: true, Paced: false, KeepsWeight: false, [Initialized, Succeeded, Failed, Terminating], []),
        [Initialized] = new(Ticks: false, Paced: false, KeepsWeight: false, [Waiting, Progressing, Succeeded, Terminating], [Approve]),
        [Waiting] = new(Ticks: true, Paced: false, KeepsWeight: true, [Progressing, Succeeded, Failed, Terminating], [Abort, Approve]),
        [Progressing] = new(Ticks: true, Paced: true, KeepsWeight: true, [WaitingPromotion, Promoting, Succeeded, Failed, Terminating], [Promote, Abort, Approve]),
        [WaitingPromotion] = new(Ticks: true, Paced: true, KeepsWeight: false, [Progressing, Promoting, Succeeded, Failed, Terminating], [Promote, Abort, Approve]),
        [Promoting] = new(Ticks: true, Paced: true, KeepsWeight: true, [Finalising, Succeeded, Failed, Terminating], []),
        [Finalising] = new(Ticks: true, Paced: true, KeepsWeight: false, [Succeeded, Failed, Terminating], []),
        [Succeeded] = new(Ticks: false, Paced: false, KeepsWeight: false, [Waiting, Progressing, Terminating], [Approve]),
        [Failed] = new(Ticks: false, Paced: false, KeepsWeight: false, [Waiting, Progressing, Terminating], [Retry, Approve]),
        [Terminating] = new(Ticks: true, Paced: false, KeepsWeight: false, [Terminated], []),
        [Terminated] = new(Ticks: false, Paced: false, KeepsWeight: false, [], []),
    }.ToFrozenDictionary();

    private static Row For(CanaryPhase? phase) => phase is { } p ? s_rows[p] : s_new;

    /// <summary>The canary has not finished initializing: no phase yet, or Initializing (its primary is being created).</summary>
    public static bool IsInitializing(CanaryPhase? phase) => phase is null or Initializing;

    /// <summary>The rollout keeps ticking: an active phase, or a paused canary (so it can be resumed on time).</summary>
    public static bool Ticks(CanaryStatus? status) => status?.Paused == true || For(status?.Phase).Ticks;

    /// <summary>Steps in <paramref name="phase"/> wait for the analysis interval (Progressing, WaitingPromotion, Promoting, Finalising).</summary>
    public static bool IsPaced(CanaryPhase? phase) => For(phase).Paced;

    /// <summary>Entering <paramref name="phase"/> keeps the canary weight and iteration count.</summary>
    public static bool KeepsWeight(CanaryPhase phase) => s_rows[phase].KeepsWeight;

    /// <summary>The table allows the status to go from <paramref name="from"/> to <paramref name="to"/> in one write.</summary>
    public static bool CanMove(CanaryPhase? from, CanaryPhase? to) =>
        from == to || (to is { } target && For(from).Next.Contains(target));

    /// <summary>Phases <paramref name="kind"/> applies in (every phase for pause and resume).</summary>
    public static IReadOnlyList<CanaryPhase> AllowedFor(CanaryOperationKind kind) =>
        kind is CanaryOperationKind.Pause or CanaryOperationKind.Resume
            ? s_rows.Keys.Order().ToList()
            : s_rows.Where(row => row.Value.Operations.Contains(kind)).Select(row => row.Key).Order().ToList();

    /// <summary>The operation applies to a canary in <paramref name="phase"/> (null: not initialized yet).</summary>
    public static bool Allows(CanaryPhase? phase, CanaryOperationKind kind) =>
        kind is CanaryOperationKind.Pause or CanaryOperationKind.Resume || For(phase).Operations.Contains(kind);
}
