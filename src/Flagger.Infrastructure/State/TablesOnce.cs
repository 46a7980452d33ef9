using Azure.Data.Tables;

namespace Flagger.Infrastructure.State;

/// <summary>
/// Creates a store's tables once per process (stores are singletons). A failed or cancelled attempt is made
/// again by the next call, so Table Storage being down when the process starts lasts no longer than the outage.
/// </summary>
internal sealed class TablesOnce(params TableClient[] tables)
{
    private readonly Lock _gate = new();
    private Task? _ready;

    public Task EnsureAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_ready is null || _ready.IsFaulted || _ready.IsCanceled)
            {
                _ready = CreateAsync();
            }

            return _ready.WaitAsync(cancellationToken);
        }
    }

    private async Task CreateAsync()
    {
        foreach (var table in tables)
        {
            await table.CreateIfNotExistsAsync(CancellationToken.None);
        }
    }
}
