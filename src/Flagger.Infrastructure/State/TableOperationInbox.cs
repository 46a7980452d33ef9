using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using Flagger.Core.Analysis;
using Flagger.Core.Ports;
using Microsoft.Extensions.Options;

namespace Flagger.Infrastructure.State;

/// <summary>
/// <see cref="IOperationInbox"/> on Table Storage (table <c>Operations</c>). One partition per canary
/// (<c>namespace.name</c>) holds a <c>counter</c> row and one <c>op-{number}</c> row per operation. An enqueue
/// is one entity-group transaction (the counter, guarded by its ETag, and the new row), so two replicas
/// accepting operations at once get distinct, gap-free numbers and neither operation is lost.
/// </summary>
public sealed class TableOperationInbox(TableServiceClient service, IOptions<StateStoreOptions> options) : IOperationInbox
{
    /// <summary>An enqueue that loses this many counter races in a row gives up with 503.</summary>
    public const int ConflictAttempts = 16;

    private const string CounterRow = "counter";
    private const string OperationPrefix = "op-";

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly TableClient _table = service.GetTableClient(options.Value.TablePrefix + "Operations");
    private readonly Lazy<Task> _created = new(() => service.GetTableClient(options.Value.TablePrefix + "Operations").CreateIfNotExistsAsync());

    public Task<long> EnqueueAsync(string @namespace, string name, CanaryOperation operation, CancellationToken cancellationToken) =>
        GuardAsync($"queue {operation.Kind} for {@namespace}/{name}", async () =>
        {
            var partition = Partition(@namespace, name);
            for (var attempt = 1; attempt <= ConflictAttempts; attempt++)
            {
                var counter = await _table.GetEntityIfExistsAsync<TableEntity>(partition, CounterRow, cancellationToken: cancellationToken);
                var last = counter.HasValue ? counter.Value!.GetInt64("Last") ?? 0 : 0;
                var number = last + 1;
                var next = new TableEntity(partition, CounterRow) { ["Last"] = number };
                var row = new TableEntity(partition, RowKey(number))
                {
                    ["Number"] = number,
                    ["Operation"] = JsonSerializer.Serialize(operation, s_json),
                };
                TableTransactionAction[] transaction =
                [
                    counter.HasValue
                        ? new TableTransactionAction(TableTransactionActionType.UpdateReplace, next, counter.Value!.ETag)
                        : new TableTransactionAction(TableTransactionActionType.Add, next),
                    new TableTransactionAction(TableTransactionActionType.Add, row),
                ];
                try
                {
                    await _table.SubmitTransactionAsync(transaction, cancellationToken);
                    return number;
                }
                catch (TableTransactionFailedException e) when (e.Status is (int)HttpStatusCode.Conflict or (int)HttpStatusCode.PreconditionFailed)
                {
                    // Another replica took this number first: read the counter again, after a jittered pause so
                    // that replicas racing for the same canary spread out.
                    await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * attempt)), cancellationToken);
                }
            }

            throw new StateStoreUnavailableException(
                $"The operation inbox of {@namespace}/{name} lost {ConflictAttempts} races in a row; try again.", null);
        }, cancellationToken);

    public Task<IReadOnlyList<QueuedOperation>> PendingAsync(string @namespace, string name, long after, CancellationToken cancellationToken) =>
        GuardAsync($"read the operations of {@namespace}/{name}", async () =>
        {
            var partition = Partition(@namespace, name);
            var from = RowKey(after);
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {from} and RowKey lt {OperationPrefix + "~"}");
            var pending = new List<QueuedOperation>();
            await foreach (var entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            {
                var operation = JsonSerializer.Deserialize<CanaryOperation>(entity.GetString("Operation") ?? "null", s_json)
                    ?? throw new InvalidDataException($"Operation row {entity.PartitionKey}/{entity.RowKey} has no operation.");
                pending.Add(new QueuedOperation(entity.GetInt64("Number") ?? 0, operation));
            }

            return (IReadOnlyList<QueuedOperation>)[.. pending.OrderBy(p => p.Number)];
        }, cancellationToken);

    public Task TrimAsync(string @namespace, string name, long through, CancellationToken cancellationToken) =>
        GuardAsync($"trim the operations of {@namespace}/{name}", async () =>
        {
            var partition = Partition(@namespace, name);
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {OperationPrefix} and RowKey le {RowKey(through)}");
            var rows = new List<TableTransactionAction>();
            await foreach (var entity in _table.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
            {
                rows.Add(new TableTransactionAction(TableTransactionActionType.Delete, entity, ETag.All));
            }

            foreach (var chunk in rows.Chunk(100))
            {
                try
                {
                    await _table.SubmitTransactionAsync(chunk, cancellationToken);
                }
                catch (TableTransactionFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
                {
                    // Another tick trimmed some of them first; the rest go one by one.
                    foreach (var action in chunk)
                    {
                        try
                        {
                            await _table.DeleteEntityAsync(action.Entity.PartitionKey, action.Entity.RowKey, ETag.All, cancellationToken);
                        }
                        catch (RequestFailedException gone) when (gone.Status == (int)HttpStatusCode.NotFound)
                        {
                        }
                    }
                }
            }

            return true;
        }, cancellationToken);

    internal static string RowKey(long number) => OperationPrefix + number.ToString("D19", CultureInfo.InvariantCulture);

    private static string Partition(string @namespace, string name) => TableRolloutStore.HistoryPartition(@namespace, name);

    private async Task<T> GuardAsync<T>(string what, Func<Task<T>> action, CancellationToken cancellationToken)
    {
        try
        {
            await _created.Value.WaitAsync(cancellationToken);
            return await action();
        }
        catch (Exception e) when (TransientFailures.IsTransient(e, cancellationToken))
        {
            throw new StateStoreUnavailableException($"Table Storage is unavailable: could not {what}. Nothing was written by this call.", e);
        }
    }
}
