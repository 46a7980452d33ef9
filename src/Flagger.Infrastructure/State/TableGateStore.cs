using Azure.Data.Tables;
using Flagger.Core.Ports;
using Microsoft.Extensions.Options;

namespace Flagger.Infrastructure.State;

/// <summary>
/// The built-in gates in Table Storage (table <c>Gates</c>), so an approval survives restarts and is seen by
/// every instance of the app, unlike the loadtester's in-memory gates.
/// </summary>
public sealed class TableGateStore(TableServiceClient service, IOptions<StateStoreOptions> options) : IGateStore
{
    private const string Partition = "gates";
    private readonly TableClient _gates = service.GetTableClient(options.Value.TablePrefix + "Gates");
    private readonly TablesOnce _created = new(service.GetTableClient(options.Value.TablePrefix + "Gates"));

    public Task<bool> IsOpenAsync(string key, CancellationToken cancellationToken) =>
        GuardAsync(key, async () =>
        {
            var gate = await _gates.GetEntityIfExistsAsync<TableEntity>(Partition, RowKey(key), cancellationToken: cancellationToken);
            return gate.HasValue && gate.Value!.GetBoolean("Open") == true;
        }, cancellationToken);

    public Task OpenAsync(string key, CancellationToken cancellationToken) => SetAsync(key, true, cancellationToken);

    public Task CloseAsync(string key, CancellationToken cancellationToken) => SetAsync(key, false, cancellationToken);

    private Task SetAsync(string key, bool open, CancellationToken cancellationToken) =>
        GuardAsync(key, async () =>
        {
            var entity = new TableEntity(Partition, RowKey(key)) { ["Key"] = key, ["Open"] = open };
            await _gates.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
            return true;
        }, cancellationToken);

    /// <summary>Gate keys are <c>name.namespace</c>: valid row keys, but escaped anyway against the four forbidden characters.</summary>
    private static string RowKey(string key) => Uri.EscapeDataString(key);

    private async Task<T> GuardAsync<T>(string key, Func<Task<T>> action, CancellationToken cancellationToken)
    {
        try
        {
            await _created.EnsureAsync(cancellationToken);
            return await action();
        }
        catch (Exception e) when (TransientFailures.IsTransient(e, cancellationToken))
        {
            throw new StateStoreUnavailableException($"Table Storage is unavailable: could not use gate {key}.", e);
        }
    }
}
