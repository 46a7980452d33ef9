using System.Collections.Concurrent;
using Flagger.Core.Ports;

namespace Flagger.Infrastructure.Webhooks.Gates;

/// <summary>Gates held in memory, lost on restart, as in the flagger-loadtester. The durable store replaces it.</summary>
public sealed class InMemoryGateStore : IGateStore
{
    private readonly ConcurrentDictionary<string, bool> _gates = new(StringComparer.Ordinal);

    public Task<bool> IsOpenAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(_gates.TryGetValue(key, out var open) && open);

    public Task OpenAsync(string key, CancellationToken cancellationToken)
    {
        _gates[key] = true;
        return Task.CompletedTask;
    }

    public Task CloseAsync(string key, CancellationToken cancellationToken)
    {
        _gates[key] = false;
        return Task.CompletedTask;
    }
}
