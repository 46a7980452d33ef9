using System.Net;
using Azure;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Testing.Canaries;
using Flagger.Testing.Registry;
using k8s.Autorest;

namespace Flagger.Rollouts.Tests.Safety;

/// <summary>A dependency a safety run can take down.</summary>
public enum FaultPart
{
    /// <summary>The Kubernetes API server: reads and writes fail (409, 500 or a timeout, in turn).</summary>
    ApiServer,

    /// <summary>Prometheus: queries fail the way the real client reports it (a failed measurement, so a failed check).</summary>
    Prometheus,

    /// <summary>Table Storage: the state store and the operation inbox answer 503.</summary>
    Storage,

    /// <summary>Table Storage refuses writes (503 on every insert, replace and delete) while reads still succeed.</summary>
    StorageWrites,
}

/// <summary>
/// The safety run's dependencies with outages on demand: each call to a part that is down fails, until the
/// number of calls it was armed for has passed. The failures are the ones the real adapters see, so the code
/// under test classifies them as it would in production.
/// </summary>
internal sealed class FaultyParts(InMemoryWorld world, InMemoryRolloutStore store, InMemoryOperationInbox inbox)
    : ICanaryCluster, ITrafficRouter, IMetricProvider, IRolloutStore, IOperationInbox, ITickStateReader
{
    private readonly SeparateTickStateReader _tickState = new(store, inbox);

    private readonly Dictionary<FaultPart, (int Healthy, int Failing)> _plans = [];
    private readonly Dictionary<FaultPart, int> _failuresOf = [];
    private readonly Dictionary<FaultPart, int> _callsOf = [];
    private int _failures;
    private int _prometheusFailuresAtRead;

    /// <summary>After <paramref name="healthyCalls"/> more calls succeed, the next <paramref name="calls"/> calls to <paramref name="part"/> fail.</summary>
    public void Arm(FaultPart part, int calls, int healthyCalls = 0)
    {
        var (healthy, failing) = _plans.GetValueOrDefault(part);
        _plans[part] = failing > 0 ? (healthy, failing + calls) : (healthyCalls, calls);
    }

    /// <summary>Calls to <paramref name="part"/> that failed so far.</summary>
    public int FailuresOf(FaultPart part) => _failuresOf.GetValueOrDefault(part);

    /// <summary>Calls that failed so far.</summary>
    public int Failures => _failures;

    /// <summary>Calls made to <paramref name="part"/> so far (storage writes count under both storage parts).</summary>
    public int CallsOf(FaultPart part) => _callsOf.GetValueOrDefault(part);

    private bool Fails(FaultPart part)
    {
        _callsOf[part] = CallsOf(part) + 1;
        var (healthy, failing) = _plans.GetValueOrDefault(part);
        if (failing == 0)
        {
            return false;
        }

        if (healthy > 0)
        {
            _plans[part] = (healthy - 1, failing);
            return false;
        }

        _plans[part] = (0, failing - 1);
        _failuresOf[part] = FailuresOf(part) + 1;
        _failures++;
        return true;
    }

    private void Guard(FaultPart part)
    {
        if (Fails(part))
        {
            throw part switch
            {
                FaultPart.ApiServer => (_failures % 3) switch
                {
                    0 => Status(HttpStatusCode.Conflict),
                    1 => Status(HttpStatusCode.InternalServerError),
                    _ => new TaskCanceledException("the API server did not answer in time"),
                },
                _ => new RequestFailedException(503, "Service Unavailable (injected)"),
            };
        }
    }

    private static HttpOperationException Status(HttpStatusCode status) => new($"Operation returned an invalid status code '{status}' (injected)")
    {
        Response = new HttpResponseMessageWrapper(new HttpResponseMessage(status), string.Empty),
    };

    /// <summary>A storage write: it fails in a storage outage and in a write outage.</summary>
    private Task<T> Write<T>(Func<Task<T>> call)
    {
        Guard(FaultPart.StorageWrites);
        return Call(FaultPart.Storage, call);
    }

    private Task Write(Func<Task> call)
    {
        Guard(FaultPart.StorageWrites);
        return Call(FaultPart.Storage, call);
    }

    private Task<T> Call<T>(FaultPart part, Func<Task<T>> call)
    {
        Guard(part);
        return call();
    }

    private Task Call(FaultPart part, Func<Task> call)
    {
        Guard(part);
        return call();
    }

    public Task<Canary?> GetCanaryAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        Call(FaultPart.ApiServer, () => world.GetCanaryAsync(@namespace, name, cancellationToken));

    public Task<WorkloadObservation> SyncWorkloadAsync(Canary canary, DateTimeOffset now, CancellationToken cancellationToken) =>
        Call(FaultPart.ApiServer, () => world.SyncWorkloadAsync(canary, now, cancellationToken));

    public Task ScaleTargetToZeroAsync(Canary canary, CancellationToken cancellationToken) =>
        Call(FaultPart.ApiServer, () => world.ScaleTargetToZeroAsync(canary, cancellationToken));

    public Task ScaleTargetUpAsync(Canary canary, CancellationToken cancellationToken) =>
        Call(FaultPart.ApiServer, () => world.ScaleTargetUpAsync(canary, cancellationToken));

    public Task PromotePrimaryAsync(Canary canary, CancellationToken cancellationToken) =>
        Call(FaultPart.ApiServer, () => world.PromotePrimaryAsync(canary, cancellationToken));

    public Task ScalePrimaryUpAsync(Canary canary, int replicas, bool holdMinimum, CancellationToken cancellationToken) =>
        Call(FaultPart.ApiServer, () => world.ScalePrimaryUpAsync(canary, replicas, holdMinimum, cancellationToken));

    public Task ReleasePrimaryScalerAsync(Canary canary, CancellationToken cancellationToken) =>
        Call(FaultPart.ApiServer, () => world.ReleasePrimaryScalerAsync(canary, cancellationToken));

    public Task WriteStatusAsync(Canary canary, CanaryStatus status, CancellationToken cancellationToken) =>
        Call(FaultPart.ApiServer, () => world.WriteStatusAsync(canary, status, cancellationToken));

    public Task<IReadOnlyList<CanaryEvent>> ListEventsAsync(Canary canary, CancellationToken cancellationToken) =>
        Call(FaultPart.ApiServer, () => world.ListEventsAsync(canary, cancellationToken));

    public Task AddFinalizerAsync(Canary canary, CancellationToken cancellationToken) =>
        Call(FaultPart.ApiServer, () => world.AddFinalizerAsync(canary, cancellationToken));

    public Task RemoveFinalizerAsync(Canary canary, CanaryStatus? lastStatus, CancellationToken cancellationToken) =>
        Call(FaultPart.ApiServer, () => world.RemoveFinalizerAsync(canary, lastStatus, cancellationToken));

    public Task<TerminationObservation> ObserveTerminationAsync(Canary canary, DateTimeOffset now, CancellationToken cancellationToken) =>
        Call(FaultPart.ApiServer, () => world.ObserveTerminationAsync(canary, now, cancellationToken));

    public Task RestoreTargetAsync(Canary canary, CancellationToken cancellationToken) =>
        Call(FaultPart.ApiServer, () => world.RestoreTargetAsync(canary, cancellationToken));

    public Task RevertApexServiceAsync(Canary canary, CancellationToken cancellationToken) =>
        Call(FaultPart.ApiServer, () => world.RevertApexServiceAsync(canary, cancellationToken));

    public Task<RouteObservation> SyncAsync(Canary canary, CancellationToken cancellationToken) =>
        Call(FaultPart.ApiServer, () => world.SyncAsync(canary, cancellationToken));

    public Task SetRoutesAsync(Canary canary, SetRoutes weights, string? observedVersion, CancellationToken cancellationToken)
    {
        if (weights.CanaryWeight > world.CanaryWeight && FailuresOf(FaultPart.Prometheus) > _prometheusFailuresAtRead)
        {
            RaisesAfterFailedMetrics++;
        }

        return Call(FaultPart.ApiServer, () => world.SetRoutesAsync(canary, weights, observedVersion, cancellationToken));
    }

    /// <summary>Route writes that raised the canary's weight in an attempt whose Prometheus queries failed (an attempt starts with its state read).</summary>
    public int RaisesAfterFailedMetrics { get; private set; }

    public Task RevertAsync(Canary canary, CancellationToken cancellationToken) =>
        Call(FaultPart.ApiServer, () => world.RevertAsync(canary, cancellationToken));

    public Task<MetricMeasurement> MeasureAsync(Canary canary, CanaryMetric metric, CancellationToken cancellationToken) =>
        Fails(FaultPart.Prometheus)
            ? Task.FromResult(MetricMeasurement.Failure("Prometheus at http://prometheus:9090 is unreachable: Connection refused (injected)"))
            : world.MeasureAsync(canary, metric, cancellationToken);

    public Task<CheckResult> CheckAvailabilityAsync(Canary canary, CanaryMetric metric, CancellationToken cancellationToken) =>
        Fails(FaultPart.Prometheus)
            ? Task.FromResult(new CheckResult(CheckKind.Provider, metric.Name, CheckVerdict.Failed, "Prometheus at http://prometheus:9090 is unreachable (injected)"))
            : world.CheckAvailabilityAsync(canary, metric, cancellationToken);

    public Task<CanaryCheckpoint?> GetCheckpointAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        Call(FaultPart.Storage, () => store.GetCheckpointAsync(@namespace, name, cancellationToken));

    /// <summary>What every tick state read returned, oldest first: the checkpoint and the operations each reading attempt went on with.</summary>
    public List<TickState> Reads { get; } = [];

    /// <summary>Runs once, right after the next tick state read succeeds: something that happens while a tick is under way.</summary>
    public Func<Task>? AfterNextRead { get; set; }

    /// <summary>One storage call, as on Table Storage (one query over the canary's rows).</summary>
    public async Task<TickState> ReadAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        var state = await Call(FaultPart.Storage, () => _tickState.ReadAsync(@namespace, name, cancellationToken));
        Reads.Add(state);
        _prometheusFailuresAtRead = FailuresOf(FaultPart.Prometheus);
        if (AfterNextRead is { } during)
        {
            AfterNextRead = null;
            await during();
        }

        return state;
    }

    public Task<IReadOnlyList<CanaryCheckpoint>> ListCheckpointsAsync(CancellationToken cancellationToken) =>
        Call(FaultPart.Storage, () => store.ListCheckpointsAsync(cancellationToken));

    public Task<bool> SaveCheckpointAsync(CanaryCheckpoint checkpoint, CancellationToken cancellationToken) =>
        Write(() => store.SaveCheckpointAsync(checkpoint, cancellationToken));

    public Task DeleteCheckpointAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        Write(() => store.DeleteCheckpointAsync(@namespace, name, cancellationToken));

    public Task AppendHistoryAsync(HistoryEntry entry, CancellationToken cancellationToken) =>
        Write(() => store.AppendHistoryAsync(entry, cancellationToken));

    public Task<HistoryPage> GetHistoryAsync(string @namespace, string name, int pageSize, string? continuationToken, CancellationToken cancellationToken) =>
        Call(FaultPart.Storage, () => store.GetHistoryAsync(@namespace, name, pageSize, continuationToken, cancellationToken));

    public Task<bool> TryRecordDeliveryAsync(string eventId, DateTimeOffset receivedAt, CancellationToken cancellationToken) =>
        Write(() => store.TryRecordDeliveryAsync(eventId, receivedAt, cancellationToken));

    public Task PruneAsync(DateTimeOffset historyBefore, DateTimeOffset deliveriesBefore, CancellationToken cancellationToken) =>
        Write(() => store.PruneAsync(historyBefore, deliveriesBefore, cancellationToken));

    public Task<long> EnqueueAsync(string @namespace, string name, CanaryOperation operation, CancellationToken cancellationToken) =>
        Write(() => inbox.EnqueueAsync(@namespace, name, operation, cancellationToken));

    public Task<IReadOnlyList<QueuedOperation>> PendingAsync(string @namespace, string name, long after, CancellationToken cancellationToken) =>
        Call(FaultPart.Storage, () => inbox.PendingAsync(@namespace, name, after, cancellationToken));

    public Task TrimAsync(string @namespace, string name, long through, CancellationToken cancellationToken) =>
        Write(() => inbox.TrimAsync(@namespace, name, through, cancellationToken));
}
