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
/// <see cref="IOperationInbox"/> on Table Storage, beside the checkpoints in the <c>Canaries</c> table: the
/// canary's namespace is the partition, and its rows follow its checkpoint's (RowKey the name) in key order:
/// <c>name!counter</c> and one <c>name!op-{number}</c> per operation (<see cref="CanaryRows"/>). So a tick reads
/// its checkpoint and its inbox in one query (<see cref="TableRolloutStore.ReadAsync"/>). An enqueue is one
/// entity-group transaction (the counter, guarded by its ETag, and the new row), so two replicas accepting
/// operations at once get distinct, gap-free numbers and neither operation is lost.
/// </summary>
public sealed class TableOperationInbox(TableServiceClient service, IOptions<StateStoreOptions> options) : IOperationInbox
{
    /// <summary>An enqueue that loses this many counter races in a row gives up with 503.</summary>
    public const int ConflictAttempts = 16;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly TableClient _table = service.GetTableClient(options.Value.TablePrefix + CanaryRows.Table);
    private readonly TablesOnce _created = new(service.GetTableClient(options.Value.TablePrefix + CanaryRows.Table));

    public Task<long> EnqueueAsync(string @namespace, string name, CanaryOperation operation, CancellationToken cancellationToken) =>
        GuardAsync($"queue {operation.Kind} for {@namespace}/{name}", async () =>
        {
            var partition = CanaryRows.Partition(@namespace);
            var counterRow = CanaryRows.Counter(name);
            for (var attempt = 1; attempt <= ConflictAttempts; attempt++)
            {
                var counter = await _table.GetEntityIfExistsAsync<TableEntity>(partition, counterRow, cancellationToken: cancellationToken);
                var last = counter.HasValue ? counter.Value!.GetInt64("Last") ?? 0 : 0;
                var number = last + 1;
                var next = new TableEntity(partition, counterRow) { ["Last"] = number };
                var row = new TableEntity(partition, CanaryRows.Operation(name, number))
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
            var partition = CanaryRows.Partition(@namespace);
            var (from, to) = (CanaryRows.Operation(name, after), CanaryRows.OperationsEnd(name));
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {from} and RowKey lt {to}");
            var pending = new List<QueuedOperation>();
            await foreach (var entity in _table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            {
                pending.Add(ToOperation(entity));
            }

            return (IReadOnlyList<QueuedOperation>)[.. pending.OrderBy(p => p.Number)];
        }, cancellationToken);

    public Task TrimAsync(string @namespace, string name, long through, CancellationToken cancellationToken) =>
        GuardAsync($"trim the operations of {@namespace}/{name}", async () =>
        {
            var partition = CanaryRows.Partition(@namespace);
            var (from, to) = (CanaryRows.OperationsStart(name), CanaryRows.Operation(name, through));
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey gt {from} and RowKey le {to}");
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

    /// <summary>An operation row, as <see cref="EnqueueAsync"/> wrote it.</summary>
    internal static QueuedOperation ToOperation(TableEntity entity)
    {
        var operation = JsonSerializer.Deserialize<CanaryOperation>(entity.GetString("Operation") ?? "null", s_json)
            ?? throw new InvalidDataException($"Operation row {entity.PartitionKey}/{entity.RowKey} has no operation.");
        return new QueuedOperation(entity.GetInt64("Number") ?? 0, operation);
    }

    private async Task<T> GuardAsync<T>(string what, Func<Task<T>> action, CancellationToken cancellationToken)
    {
        try
        {
            await _created.EnsureAsync(cancellationToken);
            return await action();
        }
        catch (Exception e) when (TransientFailures.IsTransient(e, cancellationToken))
        {
            throw new StateStoreUnavailableException($"Table Storage is unavailable: could not {what}. Nothing was written by this call.", e);
        }
    }
}
