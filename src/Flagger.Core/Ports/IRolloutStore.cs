using Flagger.Core.Analysis;
using Flagger.Core.Model;

namespace Flagger.Core.Ports;

/// <summary>
/// Durable state beside the cluster (Table Storage in Azure): one checkpoint per canary, a history row per
/// tick, and the registry deliveries already handled. Writes are guarded: a lost race is re-read and
/// resolved by <see cref="CanaryCheckpoint.Sequence"/>, never overwritten blindly.
/// </summary>
public interface IRolloutStore
{
    Task<CanaryCheckpoint?> GetCheckpointAsync(string @namespace, string name, CancellationToken cancellationToken);

    Task<IReadOnlyList<CanaryCheckpoint>> ListCheckpointsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Saves over a lower sequence, or over the same sequence while that one is only <see cref="CanaryCheckpoint.Reserved"/>;
    /// true when written. A tick writes its checkpoint twice: reserved before any side effect (a refusal means the
    /// tick is already committed: a replay) and committed after them.
    /// </summary>
    Task<bool> SaveCheckpointAsync(CanaryCheckpoint checkpoint, CancellationToken cancellationToken);

    Task DeleteCheckpointAsync(string @namespace, string name, CancellationToken cancellationToken);

    /// <summary>Idempotent per (canary, sequence): a tick applied twice after a crash keeps one row.</summary>
    Task AppendHistoryAsync(HistoryEntry entry, CancellationToken cancellationToken);

    /// <summary>Newest first.</summary>
    Task<HistoryPage> GetHistoryAsync(string @namespace, string name, int pageSize, string? continuationToken, CancellationToken cancellationToken);

    /// <summary>Records a registry event id. False when it was already recorded: a duplicate delivery.</summary>
    Task<bool> TryRecordDeliveryAsync(string eventId, DateTimeOffset receivedAt, CancellationToken cancellationToken);

    /// <summary>Deletes history older than the retention and deliveries older than their time to live.</summary>
    Task PruneAsync(DateTimeOffset historyBefore, DateTimeOffset deliveriesBefore, CancellationToken cancellationToken);
}

/// <summary>What a canary's rollout looks like after its last tick.</summary>
/// <param name="Sequence">Ticks since the canary was first seen; orders writes.</param>
public sealed record CanaryCheckpoint(
    string Namespace,
    string Name,
    long Sequence,
    CanaryStatus Status,
    int PrimaryWeight,
    int CanaryWeight,
    DateTimeOffset UpdatedAt)
{
    /// <summary>When the last tick that was allowed to step ran (the orchestration's clock); the next step is due an interval later.</summary>
    public DateTimeOffset? LastStepAt { get; init; }

    /// <summary>The number of the last inbox operation this canary's ticks applied (<see cref="IOperationInbox"/>).</summary>
    public long AppliedOperations { get; init; }

    /// <summary>
    /// The tick of this sequence began (its step's time in <see cref="LastStepAt"/> when it steps) but has not
    /// committed: the rest is as before that tick, and the next tick takes this sequence again.
    /// </summary>
    public bool Reserved { get; init; }

    /// <summary>
    /// The orchestration's id for the tick that wrote this checkpoint (replay-safe, one per tick): a retried tick
    /// activity that finds its own id committed knows it already acted, and only reports.
    /// </summary>
    public string? TickId { get; init; }

    /// <summary>
    /// On a reservation: what the begun tick decided on, so whichever attempt or tick finds it unfinished applies
    /// the same decision again rather than deciding anew on a cluster the first attempt may have half changed.
    /// </summary>
    public BegunTick? Begun { get; init; }

    /// <summary>
    /// Flagger's counters, histogram and last metric values of the canary, as of the last committed tick (a
    /// reservation carries those of the tick before it). Written with the checkpoint, so they cost no storage call.
    /// </summary>
    public CanaryStats Stats { get; init; } = CanaryStats.Empty;
}

/// <summary>
/// A tick that began acting: its observation (webhook URLs and metadata blanked: they are taken back from the live
/// Canary) and its checks' report, from which the decision is made again, the same.
/// </summary>
public sealed record BegunTick(CanaryObservation Observation, CheckReport Report);

/// <summary>One tick: its decision, the values measured and the webhook answers.</summary>
public sealed record HistoryEntry(
    string Namespace,
    string Name,
    long Sequence,
    DateTimeOffset At,
    CanaryPhase? Phase,
    int PrimaryWeight,
    int CanaryWeight,
    int FailedChecks,
    string Message,
    IReadOnlyList<CheckResult> Checks,
    IReadOnlyList<CanaryOperation> Operations);

public sealed record HistoryPage(IReadOnlyList<HistoryEntry> Entries, string? ContinuationToken);
