using Flagger.Core.Analysis;

namespace Flagger.Core.Ports;

/// <summary>
/// The durable inbox of run-time operations, one per canary. An operation is accepted (HTTP 202) only once it
/// is here; the rollout is woken afterwards, and each tick drains what arrived after the last operation it
/// applied. A wake-up that is lost (the instance was ending, another replica raised it, the host died) loses
/// nothing: the operation waits here for the next tick or sweep.
/// </summary>
public interface IOperationInbox
{
    /// <summary>Appends the operation and returns its number: numbers of one canary grow by one, in the order accepted.</summary>
    Task<long> EnqueueAsync(string @namespace, string name, CanaryOperation operation, CancellationToken cancellationToken);

    /// <summary>Operations numbered after <paramref name="after"/>, oldest first.</summary>
    Task<IReadOnlyList<QueuedOperation>> PendingAsync(string @namespace, string name, long after, CancellationToken cancellationToken);

    /// <summary>Forgets operations numbered up to <paramref name="through"/> (they were applied and recorded).</summary>
    Task TrimAsync(string @namespace, string name, long through, CancellationToken cancellationToken);
}

/// <param name="Number">Its place in the canary's inbox (1, 2, ...).</param>
public sealed record QueuedOperation(long Number, CanaryOperation Operation);
