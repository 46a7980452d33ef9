using Flagger.Core.Analysis;
using Flagger.Core.Ports;

namespace Flagger.Testing.Registry;

/// <summary><see cref="IOperationInbox"/> in memory, with the port's numbering (per canary, from 1, gap-free).</summary>
public sealed class InMemoryOperationInbox : IOperationInbox
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string, string), (long Last, List<QueuedOperation> Rows)> _inboxes = [];

    /// <summary>Failures queued here are thrown by the next enqueues (a storage outage).</summary>
    public Queue<Exception> EnqueueFailures { get; } = new();

    public Task<long> EnqueueAsync(string @namespace, string name, CanaryOperation operation, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (EnqueueFailures.TryDequeue(out var failure))
            {
                throw failure;
            }

            var (last, rows) = _inboxes.GetValueOrDefault((@namespace, name), (0, []));
            rows.Add(new QueuedOperation(last + 1, operation));
            _inboxes[(@namespace, name)] = (last + 1, rows);
            return Task.FromResult(last + 1);
        }
    }

    public Task<IReadOnlyList<QueuedOperation>> PendingAsync(string @namespace, string name, long after, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var rows = _inboxes.TryGetValue((@namespace, name), out var inbox) ? inbox.Rows : [];
            return Task.FromResult<IReadOnlyList<QueuedOperation>>([.. rows.Where(r => r.Number > after)]);
        }
    }

    public Task TrimAsync(string @namespace, string name, long through, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_inboxes.TryGetValue((@namespace, name), out var inbox))
            {
                inbox.Rows.RemoveAll(r => r.Number <= through);
            }
        }

        return Task.CompletedTask;
    }
}
