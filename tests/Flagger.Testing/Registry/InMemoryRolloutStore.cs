using System.Text.Json;
using System.Text.Json.Serialization;
using Flagger.Core.Ports;

namespace Flagger.Testing.Registry;

/// <summary>
/// <see cref="IRolloutStore"/> in memory with the port's guarantees (sequence-guarded checkpoints, history
/// idempotent per sequence, insert-once deliveries). Failures queued in <see cref="DeliveryFailures"/> are
/// thrown by the next delivery records.
/// </summary>
public sealed class InMemoryRolloutStore : IRolloutStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string, string), CanaryCheckpoint> _checkpoints = [];
    private readonly Dictionary<(string, string, long), HistoryEntry> _history = [];
    private readonly Dictionary<string, DateTimeOffset> _deliveries = new(StringComparer.Ordinal);

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    public Queue<Exception> DeliveryFailures { get; } = new();

    private static T Copy<T>(T value) => JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(value, s_json), s_json)!;

    public IReadOnlyCollection<string> Deliveries
    {
        get
        {
            lock (_lock)
            {
                return [.. _deliveries.Keys];
            }
        }
    }

    public Task<CanaryCheckpoint?> GetCheckpointAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_checkpoints.GetValueOrDefault((@namespace, name)));
        }
    }

    public Task<IReadOnlyList<CanaryCheckpoint>> ListCheckpointsAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<CanaryCheckpoint>>([.. _checkpoints.Values]);
        }
    }

    public Task<bool> SaveCheckpointAsync(CanaryCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var key = (checkpoint.Namespace, checkpoint.Name);
            if (_checkpoints.TryGetValue(key, out var stored) && (stored.Sequence > checkpoint.Sequence || (stored.Sequence == checkpoint.Sequence && !stored.Reserved)))
            {
                return Task.FromResult(false);
            }

            // A begun tick is stored as a table row would hold it: a copy, not the caller's (the world's own) objects.
            _checkpoints[key] = checkpoint.Begun is { } begun ? checkpoint with { Begun = Copy(begun) } : checkpoint;
            return Task.FromResult(true);
        }
    }

    public Task DeleteCheckpointAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _checkpoints.Remove((@namespace, name));
        }

        return Task.CompletedTask;
    }

    public Task AppendHistoryAsync(HistoryEntry entry, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            // As in Table Storage: an entry of the same sequence is replaced (a tick recorded again after a failed attempt).
            _history[(entry.Namespace, entry.Name, entry.Sequence)] = entry;
        }

        return Task.CompletedTask;
    }

    public Task<HistoryPage> GetHistoryAsync(string @namespace, string name, int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var skip = continuationToken is null ? 0 : int.Parse(continuationToken, System.Globalization.CultureInfo.InvariantCulture);
            var all = _history.Values.Where(h => h.Namespace == @namespace && h.Name == name).OrderByDescending(h => h.Sequence).ToList();
            var page = all.Skip(skip).Take(pageSize).ToList();
            var next = skip + page.Count < all.Count ? (skip + page.Count).ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
            return Task.FromResult(new HistoryPage(page, next));
        }
    }

    public Task<bool> TryRecordDeliveryAsync(string eventId, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (DeliveryFailures.TryDequeue(out var failure))
            {
                throw failure;
            }

            return Task.FromResult(_deliveries.TryAdd(eventId, receivedAt));
        }
    }

    public Task PruneAsync(DateTimeOffset historyBefore, DateTimeOffset deliveriesBefore, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            foreach (var key in _history.Where(h => h.Value.At < historyBefore).Select(h => h.Key).ToList())
            {
                _history.Remove(key);
            }

            foreach (var key in _deliveries.Where(d => d.Value < deliveriesBefore).Select(d => d.Key).ToList())
            {
                _deliveries.Remove(key);
            }
        }

        return Task.CompletedTask;
    }
}
