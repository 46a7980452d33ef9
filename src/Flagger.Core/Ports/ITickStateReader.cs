using Flagger.Core.Analysis;

namespace Flagger.Core.Ports;

/// <summary>
/// What a tick starts from, read together: the canary's checkpoint and every operation its inbox still holds.
/// A store that keeps both side by side reads them in one request (Table Storage: one query over the canary's
/// rows); <see cref="SeparateTickStateReader"/> asks the store and the inbox in turn.
/// </summary>
public interface ITickStateReader
{
    Task<TickState> ReadAsync(string @namespace, string name, CancellationToken cancellationToken);
}

/// <param name="Checkpoint">Null before the canary's first committed or reserved tick.</param>
/// <param name="Held">Every operation the inbox holds, oldest first, those a committed tick applied but could not forget included.</param>
public sealed record TickState(CanaryCheckpoint? Checkpoint, IReadOnlyList<QueuedOperation> Held)
{
    /// <summary>The number of the last operation a committed tick applied.</summary>
    public long Applied => Checkpoint?.AppliedOperations ?? 0;

    /// <summary>The operations no committed tick applied yet, oldest first.</summary>
    public IReadOnlyList<QueuedOperation> Pending => [.. Held.Where(h => h.Number > Applied)];

    /// <summary>Operations applied and committed but still held: a trim that failed after its commit.</summary>
    public bool HoldsApplied => Held.Any(h => h.Number <= Applied);
}

/// <summary>The tick's state from a store and an inbox kept apart: two reads.</summary>
public sealed class SeparateTickStateReader(IRolloutStore store, IOperationInbox inbox) : ITickStateReader
{
    public async Task<TickState> ReadAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        var checkpoint = await store.GetCheckpointAsync(@namespace, name, cancellationToken);
        return new TickState(checkpoint, await inbox.PendingAsync(@namespace, name, 0, cancellationToken));
    }
}
