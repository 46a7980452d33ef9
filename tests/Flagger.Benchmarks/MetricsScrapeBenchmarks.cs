using BenchmarkDotNet.Attributes;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Rollouts.Api;
using Flagger.Testing.Canaries;
using Flagger.Testing.Registry;

namespace Flagger.Benchmarks;

/// <summary>
/// One <c>/api/metrics</c> scrape's own work (prometheus-net registry, every series of every canary, text
/// out) at 10, 100 and 500 canaries, each with a full histogram, both counters and two metric values. The
/// store and the cluster are in memory: the scrape's I/O (one Table query, one Canary GET per canary) is not in it.
/// </summary>
[MemoryDiagnoser]
public class MetricsScrapeBenchmarks
{
    private RolloutMetrics _metrics = null!;

    [Params(10, 100, 500)]
    public int Canaries { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var store = new InMemoryRolloutStore();
        var cluster = new CanaryLookup();
        var durations = TickDurations.Empty;
        foreach (var seconds in new[] { 0.004, 0.008, 0.02, 0.04, 0.08, 0.2, 0.4, 0.8, 2, 4, 8, 20 })
        {
            durations = durations.Observe(seconds);
        }

        var stats = CanaryStats.Empty with
        {
            Successes = [new OutcomeCount("canary", AnalysisStatus.Completed, 12)],
            Failures = [new OutcomeCount("canary", AnalysisStatus.Completed, 3)],
            Durations = durations,
            MetricValues = new Dictionary<string, double> { [CanaryMetric.RequestSuccessRate] = 99.9, [CanaryMetric.RequestDuration] = 0.12 },
        };
        for (var i = 0; i < Canaries; i++)
        {
            var name = $"app-{i:D4}";
            cluster.Canaries[("team", name)] = Podinfo.Canary().WithName(name).WithNamespace("team").WithTargetRef("Deployment", name).Build();
            await store.SaveCheckpointAsync(
                new CanaryCheckpoint("team", name, 40, new CanaryStatus { Phase = CanaryPhase.Progressing }, 70, 30, DateTimeOffset.UnixEpoch) { Stats = stats },
                CancellationToken.None);
        }

        _metrics = new RolloutMetrics(store, cluster);
    }

    [Benchmark]
    public async Task<long> Scrape()
    {
        using var output = new MemoryStream();
        await _metrics.WriteAsync(output, CancellationToken.None);
        return output.Length;
    }

    /// <summary>Answers the Canary reads a scrape makes; a scrape makes no other cluster call.</summary>
    private sealed class CanaryLookup : ICanaryCluster
    {
        public Dictionary<(string, string), Canary> Canaries { get; } = [];

        public Task<Canary?> GetCanaryAsync(string @namespace, string name, CancellationToken cancellationToken) =>
            Task.FromResult(Canaries.GetValueOrDefault((@namespace, name)));

        public Task<WorkloadObservation> SyncWorkloadAsync(Canary canary, DateTimeOffset now, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task ScaleTargetToZeroAsync(Canary canary, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task ScaleTargetUpAsync(Canary canary, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task PromotePrimaryAsync(Canary canary, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task ScalePrimaryUpAsync(Canary canary, int replicas, bool holdMinimum, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task ReleasePrimaryScalerAsync(Canary canary, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task WriteStatusAsync(Canary canary, CanaryStatus status, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<CanaryEvent>> ListEventsAsync(Canary canary, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task AddFinalizerAsync(Canary canary, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task RemoveFinalizerAsync(Canary canary, CanaryStatus? lastStatus, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<TerminationObservation> ObserveTerminationAsync(Canary canary, DateTimeOffset now, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task RestoreTargetAsync(Canary canary, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task RevertApexServiceAsync(Canary canary, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
