using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flagger.Infrastructure.State;

/// <summary>
/// <see cref="IRolloutStore"/> on Azure Table Storage. Tables (each name prefixed by
/// <see cref="StateStoreOptions.TablePrefix"/>):
/// <list type="bullet">
/// <item><c>Canaries</c>: PartitionKey namespace, RowKey name; one checkpoint row per canary with Sequence, Phase,
/// weights, FailedChecks, Iterations, UpdatedAt as plain columns (for queries and humans) and the whole status as
/// JSON in <c>Status</c> (see <see cref="TextColumns"/> for large values), and Flagger's counters as JSON in
/// <c>Stats</c> (<see cref="CanaryStats"/>, a few hundred bytes). The JSON is the truth on read. The
/// canary's operation inbox (<see cref="TableOperationInbox"/>) sits in the rows right after it (<see cref="CanaryRows"/>),
/// so <see cref="ReadAsync"/> reads a tick's state in one query.</item>
/// <item><c>History</c>: PartitionKey <c>namespace.name</c>, RowKey the sequence inverted and zero-padded so the
/// newest tick sorts first; one row per tick, written with upsert so a replayed tick keeps one row.</item>
/// <item><c>Deliveries</c>: one row per registry event id; the insert's 409 is the duplicate.</item>
/// </list>
/// Every write is a single entity operation, so an outage leaves either the old row or the new one.
/// </summary>
public sealed partial class TableRolloutStore : IRolloutStore, ITickStateReader
{
    /// <summary>A save that loses this many races in a row gives up (something keeps writing the same canary).</summary>
    public const int ConflictAttempts = 5;

    private const int MaxPageSize = 1000;
    private const int TransactionLimit = 100;

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    private static readonly string[] s_keyColumns = ["PartitionKey", "RowKey"];
    private static readonly string[] s_sequenceColumn = ["Sequence", "Reserved"];

    private readonly TableClient _canaries;
    private readonly TableClient _history;
    private readonly TableClient _deliveries;
    private readonly StateStoreOptions _options;
    private readonly ILogger<TableRolloutStore> _logger;
    private readonly ConcurrentDictionary<(string Namespace, string Name), StoredVersion> _versions = new();
    private readonly TablesOnce _tablesReady;

    public TableRolloutStore(TableServiceClient service, IOptions<StateStoreOptions> options, ILogger<TableRolloutStore> logger)
    {
        _options = options.Value;
        _logger = logger;
        _canaries = service.GetTableClient(_options.TablePrefix + CanaryRows.Table);
        _history = service.GetTableClient(_options.TablePrefix + "History");
        _deliveries = service.GetTableClient(_options.TablePrefix + "Deliveries");
        _tablesReady = new TablesOnce(_canaries, _history, _deliveries);
    }

    public Task<CanaryCheckpoint?> GetCheckpointAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        GuardAsync($"read the checkpoint of {@namespace}/{name}", async () =>
        {
            var response = await _canaries.GetEntityIfExistsAsync<TableEntity>(
                CanaryRows.Partition(@namespace), CanaryRows.Checkpoint(name), cancellationToken: cancellationToken);
            return Track(@namespace, name, response.HasValue ? response.Value : null);
        }, cancellationToken);

    /// <summary>One query: the canary's checkpoint and its inbox rows are one key range of its namespace's partition.</summary>
    public Task<TickState> ReadAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        GuardAsync($"read the checkpoint and operations of {@namespace}/{name}", async () =>
        {
            var partition = CanaryRows.Partition(@namespace);
            var (from, to) = CanaryRows.Range(name);
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {from} and RowKey lt {to}");
            TableEntity? row = null;
            var held = new List<QueuedOperation>();
            await foreach (var entity in _canaries.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            {
                if (CanaryRows.IsCheckpoint(entity.RowKey))
                {
                    row = entity;
                }
                else if (CanaryRows.IsOperation(entity.RowKey))
                {
                    held.Add(TableOperationInbox.ToOperation(entity));
                }
            }

            return new TickState(Track(@namespace, name, row), [.. held.OrderBy(h => h.Number)]);
        }, cancellationToken);

    /// <summary>The checkpoint of a row just read, remembering its version (so the next save costs one request), or forgetting it when there is none.</summary>
    private CanaryCheckpoint? Track(string @namespace, string name, TableEntity? row)
    {
        if (row is null)
        {
            _versions.TryRemove((@namespace, name), out _);
            return null;
        }

        var checkpoint = ToCheckpoint(row);
        _versions[(@namespace, name)] = new StoredVersion(row.ETag, checkpoint.Sequence, checkpoint.Reserved);
        return checkpoint;
    }

    public Task<IReadOnlyList<CanaryCheckpoint>> ListCheckpointsAsync(CancellationToken cancellationToken) =>
        GuardAsync("list checkpoints", async () =>
        {
            var checkpoints = new List<CanaryCheckpoint>();
            await foreach (var entity in _canaries.QueryAsync<TableEntity>(cancellationToken: cancellationToken))
            {
                if (CanaryRows.IsCheckpoint(entity.RowKey))
                {
                    checkpoints.Add(ToCheckpoint(entity));
                }
            }

            return (IReadOnlyList<CanaryCheckpoint>)checkpoints;
        }, cancellationToken);

    public Task<bool> SaveCheckpointAsync(CanaryCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        var entity = ToEntity(checkpoint);
        var key = (checkpoint.Namespace, checkpoint.Name);
        return GuardAsync($"save the checkpoint of {checkpoint.Namespace}/{checkpoint.Name}", async () =>
        {
            // Steady state costs one transaction: the version this process wrote last is still the stored one,
            // which the ETag proves. A refusal is never decided from the cache, only from a fresh read.
            if (_versions.TryGetValue(key, out var known) && Replaces(checkpoint, known.Sequence, known.Reserved))
            {
                if (await TryReplaceAsync(entity, known.ETag, checkpoint, cancellationToken))
                {
                    return true;
                }
            }

            for (var attempt = 1; attempt <= ConflictAttempts; attempt++)
            {
                var stored = await _canaries.GetEntityIfExistsAsync<TableEntity>(entity.PartitionKey, entity.RowKey, s_sequenceColumn, cancellationToken);
                if (!stored.HasValue || stored.Value is not { } current)
                {
                    _versions.TryRemove(key, out _);
                    try
                    {
                        var added = await _canaries.AddEntityAsync(entity, cancellationToken);
                        Remember(key, added.Headers.ETag, checkpoint);
                        return true;
                    }
                    catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.Conflict)
                    {
                        LogRaceLost(_logger, checkpoint.Namespace, checkpoint.Name, checkpoint.Sequence, attempt);
                        continue;
                    }
                }

                var storedSequence = current.GetInt64("Sequence") ?? long.MinValue;
                var storedReserved = current.GetBoolean("Reserved") ?? false;
                _versions[key] = new StoredVersion(current.ETag, storedSequence, storedReserved);
                if (!Replaces(checkpoint, storedSequence, storedReserved))
                {
                    LogStaleCheckpoint(_logger, checkpoint.Namespace, checkpoint.Name, checkpoint.Sequence, storedSequence);
                    return false;
                }

                if (await TryReplaceAsync(entity, current.ETag, checkpoint, cancellationToken))
                {
                    return true;
                }

                LogRaceLost(_logger, checkpoint.Namespace, checkpoint.Name, checkpoint.Sequence, attempt);
            }

            throw new StateStoreUnavailableException(
                $"The checkpoint of {checkpoint.Namespace}/{checkpoint.Name} lost {ConflictAttempts} write races in a row; try again.", null);
        }, cancellationToken);
    }

    public Task DeleteCheckpointAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        GuardAsync($"delete the checkpoint of {@namespace}/{name}", async () =>
        {
            try
            {
                await _canaries.DeleteEntityAsync(CanaryRows.Partition(@namespace), CanaryRows.Checkpoint(name), ETag.All, cancellationToken);
            }
            catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
            {
            }

            _versions.TryRemove((@namespace, name), out _);
            return true;
        }, cancellationToken);

    public Task AppendHistoryAsync(HistoryEntry entry, CancellationToken cancellationToken)
    {
        var entity = ToEntity(entry);
        return GuardAsync($"append history of {entry.Namespace}/{entry.Name}", async () =>
        {
            await _history.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
            return true;
        }, cancellationToken);
    }

    public Task<HistoryPage> GetHistoryAsync(string @namespace, string name, int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, MaxPageSize);
        var partition = HistoryPartition(@namespace, name);
        return GuardAsync($"read the history of {@namespace}/{name}", async () =>
        {
            var pages = _history
                .QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), pageSize, cancellationToken: cancellationToken)
                .AsPages(string.IsNullOrEmpty(continuationToken) ? null : continuationToken, pageSize);

            // The service may answer a page with no rows but a token (a server-side time limit): read on.
            await foreach (var page in pages)
            {
                if (page.Values.Count > 0 || string.IsNullOrEmpty(page.ContinuationToken))
                {
                    return new HistoryPage(page.Values.Select(ToHistoryEntry).ToList(), string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken);
                }
            }

            return new HistoryPage([], null);
        }, cancellationToken);
    }

    public Task<bool> TryRecordDeliveryAsync(string eventId, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        var (partition, row) = DeliveryKey(eventId);
        var entity = new TableEntity(partition, row) { ["ReceivedAt"] = receivedAt };
        return GuardAsync($"record delivery {eventId}", async () =>
        {
            try
            {
                await _deliveries.AddEntityAsync(entity, cancellationToken);
                return true;
            }
            catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.Conflict)
            {
                return false;
            }
        }, cancellationToken);
    }

    public Task PruneAsync(DateTimeOffset historyBefore, DateTimeOffset deliveriesBefore, CancellationToken cancellationToken) =>
        GuardAsync("prune history and deliveries", async () =>
        {
            var history = await DeleteWhereAsync(_history, TableClient.CreateQueryFilter($"At lt {historyBefore}"), cancellationToken);
            var deliveries = await DeleteWhereAsync(_deliveries, TableClient.CreateQueryFilter($"ReceivedAt lt {deliveriesBefore}"), cancellationToken);
            LogPruned(_logger, history, historyBefore, deliveries, deliveriesBefore);
            return true;
        }, cancellationToken);

    /// <summary>Prunes with the configured <see cref="StateStoreOptions.HistoryRetention"/> and <see cref="StateStoreOptions.DeliveryTtl"/>.</summary>
    public Task PruneExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        PruneAsync(now - _options.HistoryRetention, now - _options.DeliveryTtl, cancellationToken);

    /// <summary>The history RowKey: newest first in the table's lexical order.</summary>
    internal static string HistoryRowKey(long sequence)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        return (long.MaxValue - sequence).ToString("D19", CultureInfo.InvariantCulture);
    }

    internal static string HistoryPartition(string @namespace, string name) => CanaryRows.Key(@namespace) + "." + CanaryRows.Key(name);

    /// <summary>
    /// Event ids are spread over 256 partitions by hash (so pruning can delete in batch transactions) and kept
    /// readable as the RowKey unless they hold characters a key cannot.
    /// </summary>
    internal static (string Partition, string Row) DeliveryKey(string eventId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(eventId));
        var row = CanaryRows.IsValidKey(eventId) && eventId.Length <= 512 ? eventId : "sha256-" + Convert.ToHexStringLower(hash);
        return (Convert.ToHexStringLower(hash.AsSpan(0, 1)), row);
    }

    private async Task<T> GuardAsync<T>(string what, Func<Task<T>> action, CancellationToken cancellationToken)
    {
        try
        {
            await _tablesReady.EnsureAsync(cancellationToken);
            return await action();
        }
        catch (Exception e) when (TransientFailures.IsTransient(e, cancellationToken))
        {
            LogUnavailable(_logger, e, what);
            throw new StateStoreUnavailableException($"Table Storage is unavailable: could not {what}. Nothing was written by this call.", e);
        }
    }

    private async Task<bool> TryReplaceAsync(TableEntity entity, ETag etag, CanaryCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        var key = (checkpoint.Namespace, checkpoint.Name);
        try
        {
            var updated = await _canaries.UpdateEntityAsync(entity, etag, TableUpdateMode.Replace, cancellationToken);
            Remember(key, updated.Headers.ETag, checkpoint);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.NotFound)
        {
            _versions.TryRemove(key, out _);
            return false;
        }
    }

    /// <summary>A later sequence, or the same one over its tick's reservation (never over its commit).</summary>
    private static bool Replaces(CanaryCheckpoint checkpoint, long storedSequence, bool storedReserved) =>
        checkpoint.Sequence > storedSequence || (checkpoint.Sequence == storedSequence && storedReserved);

    private void Remember((string Namespace, string Name) key, ETag? etag, CanaryCheckpoint checkpoint)
    {
        if (etag is { } known)
        {
            _versions[key] = new StoredVersion(known, checkpoint.Sequence, checkpoint.Reserved);
        }
        else
        {
            _versions.TryRemove(key, out _);
        }
    }

    private static async Task<int> DeleteWhereAsync(TableClient table, string filter, CancellationToken cancellationToken)
    {
        var deleted = 0;
        var batches = new Dictionary<string, List<TableTransactionAction>>();
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, MaxPageSize, s_keyColumns, cancellationToken))
        {
            if (!batches.TryGetValue(entity.PartitionKey, out var batch))
            {
                batches[entity.PartitionKey] = batch = [];
            }

            batch.Add(new TableTransactionAction(TableTransactionActionType.Delete, entity, ETag.All));
            if (batch.Count == TransactionLimit)
            {
                deleted += await DeleteBatchAsync(table, batch, cancellationToken);
                batch.Clear();
            }
        }

        foreach (var batch in batches.Values.Where(b => b.Count > 0))
        {
            deleted += await DeleteBatchAsync(table, batch, cancellationToken);
        }

        return deleted;
    }

    /// <summary>One transaction per partition and 100 rows; if another pruner got there first, row by row.</summary>
    private static async Task<int> DeleteBatchAsync(TableClient table, List<TableTransactionAction> batch, CancellationToken cancellationToken)
    {
        try
        {
            await table.SubmitTransactionAsync(batch, cancellationToken);
            return batch.Count;
        }
        catch (TableTransactionFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            var deleted = 0;
            foreach (var action in batch)
            {
                var response = await table.DeleteEntityAsync(action.Entity.PartitionKey, action.Entity.RowKey, ETag.All, cancellationToken);
                deleted += response.Status == (int)HttpStatusCode.NotFound ? 0 : 1;
            }

            return deleted;
        }
    }

    private static TableEntity ToEntity(CanaryCheckpoint checkpoint)
    {
        var entity = new TableEntity(CanaryRows.Partition(checkpoint.Namespace), CanaryRows.Checkpoint(checkpoint.Name))
        {
            ["Sequence"] = checkpoint.Sequence,
            ["Phase"] = checkpoint.Status.Phase?.ToString(),
            ["CanaryWeight"] = checkpoint.CanaryWeight,
            ["PrimaryWeight"] = checkpoint.PrimaryWeight,
            ["FailedChecks"] = checkpoint.Status.FailedChecks,
            ["Iterations"] = checkpoint.Status.Iterations,
            ["UpdatedAt"] = checkpoint.UpdatedAt,
            ["LastStepAt"] = checkpoint.LastStepAt,
            ["AppliedOperations"] = checkpoint.AppliedOperations,
            ["Reserved"] = checkpoint.Reserved,
            ["TickId"] = checkpoint.TickId,
        };
        TextColumns.Write(entity, "Status", JsonSerializer.Serialize(checkpoint.Status, s_json));
        TextColumns.Write(entity, "Stats", JsonSerializer.Serialize(checkpoint.Stats, s_json));
        if (checkpoint.Begun is { } begun)
        {
            TextColumns.Write(entity, "Begun", JsonSerializer.Serialize(begun, s_json));
        }

        return entity;
    }

    private static CanaryCheckpoint ToCheckpoint(TableEntity entity)
    {
        var json = TextColumns.Read(entity, "Status")
            ?? throw new InvalidDataException($"Checkpoint row {entity.PartitionKey}/{entity.RowKey} has no Status column.");
        return new CanaryCheckpoint(
            entity.PartitionKey,
            entity.RowKey,
            entity.GetInt64("Sequence") ?? 0,
            JsonSerializer.Deserialize<CanaryStatus>(json, s_json) ?? new CanaryStatus(),
            entity.GetInt32("PrimaryWeight") ?? 0,
            entity.GetInt32("CanaryWeight") ?? 0,
            entity.GetDateTimeOffset("UpdatedAt") ?? default)
        {
            LastStepAt = entity.GetDateTimeOffset("LastStepAt"),
            AppliedOperations = entity.GetInt64("AppliedOperations") ?? 0,
            Reserved = entity.GetBoolean("Reserved") ?? false,
            TickId = entity.GetString("TickId"),
            // Rows written before the stats existed have none: counting starts from zero.
            Stats = TextColumns.Read(entity, "Stats") is { } stats ? JsonSerializer.Deserialize<CanaryStats>(stats, s_json) ?? CanaryStats.Empty : CanaryStats.Empty,
            Begun = TextColumns.Read(entity, "Begun") is { } begun ? JsonSerializer.Deserialize<BegunTick>(begun, s_json) : null,
        };
    }

    private static TableEntity ToEntity(HistoryEntry entry)
    {
        var entity = new TableEntity(HistoryPartition(entry.Namespace, entry.Name), HistoryRowKey(entry.Sequence))
        {
            ["Namespace"] = entry.Namespace,
            ["Name"] = entry.Name,
            ["Sequence"] = entry.Sequence,
            ["At"] = entry.At,
            ["Phase"] = entry.Phase?.ToString(),
            ["PrimaryWeight"] = entry.PrimaryWeight,
            ["CanaryWeight"] = entry.CanaryWeight,
            ["FailedChecks"] = entry.FailedChecks,
        };
        TextColumns.Write(entity, "Message", entry.Message);
        TextColumns.Write(entity, "Checks", JsonSerializer.Serialize(entry.Checks, s_json));
        TextColumns.Write(entity, "Operations", JsonSerializer.Serialize(entry.Operations, s_json));
        return entity;
    }

    private static HistoryEntry ToHistoryEntry(TableEntity entity) => new(
        entity.GetString("Namespace") ?? "",
        entity.GetString("Name") ?? "",
        entity.GetInt64("Sequence") ?? 0,
        entity.GetDateTimeOffset("At") ?? default,
        Enum.TryParse<CanaryPhase>(entity.GetString("Phase"), out var phase) ? phase : null,
        entity.GetInt32("PrimaryWeight") ?? 0,
        entity.GetInt32("CanaryWeight") ?? 0,
        entity.GetInt32("FailedChecks") ?? 0,
        TextColumns.Read(entity, "Message") ?? "",
        DeserializeList<CheckResult>(TextColumns.Read(entity, "Checks")),
        DeserializeList<CanaryOperation>(TextColumns.Read(entity, "Operations")));

    private static IReadOnlyList<T> DeserializeList<T>(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize<List<T>>(json, s_json) ?? [];

    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "Checkpoint {CanaryNamespace}/{CanaryName} sequence {Sequence}: lost a write race (attempt {Attempt}), re-reading")]
    private static partial void LogRaceLost(ILogger logger, string canaryNamespace, string canaryName, long sequence, int attempt);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Checkpoint {CanaryNamespace}/{CanaryName} sequence {Sequence} not saved: sequence {StoredSequence} is already stored (committed)")]
    private static partial void LogStaleCheckpoint(ILogger logger, string canaryNamespace, string canaryName, long sequence, long storedSequence);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Table Storage unavailable: could not {Operation}")]
    private static partial void LogUnavailable(ILogger logger, Exception exception, string operation);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Pruned {HistoryRows} history rows before {HistoryBefore} and {DeliveryRows} deliveries before {DeliveriesBefore}")]
    private static partial void LogPruned(ILogger logger, int historyRows, DateTimeOffset historyBefore, int deliveryRows, DateTimeOffset deliveriesBefore);

    private readonly record struct StoredVersion(ETag ETag, long Sequence, bool Reserved);
}
