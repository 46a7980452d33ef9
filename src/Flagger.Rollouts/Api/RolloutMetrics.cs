using System.Reflection;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Prometheus;

namespace Flagger.Rollouts.Api;

/// <summary>
/// Flagger's eight metrics (spec §8, <c>pkg/metrics/recorder.go</c>) with its names, types, labels and help
/// texts, in Prometheus text, computed from the state store at scrape time, so any instance of the app answers
/// the same. <c>name</c> is the target's name, as in Flagger. The counters, the duration histogram and the last
/// metric values come from each checkpoint's <see cref="CanaryStats"/>, counted once per committed tick.
/// Counters and the histogram are exported at zero from the start (Flagger's appear at their first increment).
/// A canary whose Canary object is gone is not exported (its checkpoint, and with it its counters, is
/// forgotten by the next sweep); Flagger keeps a deleted canary's series until it restarts.
/// </summary>
public sealed class RolloutMetrics(IRolloutStore store, ICanaryCluster cluster)
{
    /// <summary>Flagger's <c>-mesh-provider</c> spelling of the one router we have.</summary>
    public const string MeshProvider = CanaryValidator.DefaultProvider;

    /// <summary>This build's version (the informational version without its build metadata).</summary>
    public static readonly string Version = ReadVersion();

    public async Task WriteAsync(Stream output, CancellationToken cancellationToken)
    {
        var registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(registry);
        var info = factory.CreateGauge("flagger_info", "Flagger version and mesh provider information", "version", "mesh_provider");
        var duration = factory.CreateHistogram("flagger_canary_duration_seconds", "Seconds spent performing canary analysis.", new HistogramConfiguration
        {
            LabelNames = ["name", "namespace"],
            Buckets = [.. TickDurations.Bounds],
        });
        var total = factory.CreateGauge("flagger_canary_total", "Total number of canary object", "namespace");
        var status = factory.CreateGauge("flagger_canary_status", "Last canary analysis result", "name", "namespace");
        var weight = factory.CreateGauge("flagger_canary_weight", "The virtual service destination weight current value", "workload", "namespace");
        var analysis = factory.CreateGauge("flagger_canary_metric_analysis", "Last canary analysis result per metric", "name", "namespace", "metric");
        string[] outcomeLabels = ["name", "namespace", "deployment_strategy", "analysis_status"];
        var successes = factory.CreateCounter("flagger_canary_successes_total", "Total number of canary successes", outcomeLabels);
        var failures = factory.CreateCounter("flagger_canary_failures_total", "Total number of canary failures", outcomeLabels);

        info.WithLabels(Version, MeshProvider).Set(1);
        foreach (var checkpoint in await store.ListCheckpointsAsync(cancellationToken))
        {
            if (await cluster.GetCanaryAsync(checkpoint.Namespace, checkpoint.Name, cancellationToken) is not { } canary)
            {
                continue;
            }

            var (target, ns) = (canary.Spec.TargetRef.Name, checkpoint.Namespace);
            total.WithLabels(ns).Inc();
            status.WithLabels(target, ns).Set(checkpoint.Status.Phase switch
            {
                CanaryPhase.Progressing => 0,
                CanaryPhase.Failed => 2,
                _ => 1,
            });
            weight.WithLabels($"{target}-primary", ns).Set(checkpoint.PrimaryWeight);
            weight.WithLabels(target, ns).Set(checkpoint.CanaryWeight);

            var stats = checkpoint.Stats;
            foreach (var (metric, value) in stats.MetricValues)
            {
                analysis.WithLabels(target, ns, metric).Set(value);
            }

            // Flagger's counters and histogram appear at their first increment, which rate() and increase() never
            // see; ours start at zero for the label sets the canary's spec says it will use (Prometheus' advice).
            var strategy = CanaryStats.StrategyLabel(canary.Analysis.Strategy);
            successes.WithLabels(target, ns, strategy, canary.Spec.SkipAnalysis ? AnalysisStatus.Skipped : AnalysisStatus.Completed);
            failures.WithLabels(target, ns, strategy, AnalysisStatus.Completed);
            var durations = duration.WithLabels(target, ns);
            foreach (var count in stats.Successes)
            {
                successes.WithLabels(target, ns, count.DeploymentStrategy, count.AnalysisStatus).Inc(count.Count);
            }

            foreach (var count in stats.Failures)
            {
                failures.WithLabels(target, ns, count.DeploymentStrategy, count.AnalysisStatus).Inc(count.Count);
            }

            Observe(durations, stats.Durations);
        }

        await registry.CollectAndExportAsTextAsync(output, cancellationToken);
    }

    /// <summary>
    /// prometheus-net takes observations, not bucket counts: each stored bucket's count is observed at the mean
    /// of its observations, which lies inside that bucket, so the buckets, the count and the sum come out as stored.
    /// </summary>
    private static void Observe(IHistogram histogram, TickDurations durations)
    {
        var bounds = TickDurations.Bounds;
        for (var i = 0; i < durations.Counts.Count; i++)
        {
            var count = durations.Counts[i];
            if (count == 0)
            {
                continue;
            }

            var mean = durations.Sums[i] / count;
            var upper = i < bounds.Count ? bounds[i] : double.PositiveInfinity;
            var lower = i > 0 ? bounds[i - 1] : double.NegativeInfinity;
            // Rounding can put the mean of values on a bound just past it.
            histogram.Observe(Math.Clamp(mean, Math.BitIncrement(lower), upper), count);
        }
    }

    private static string ReadVersion()
    {
        var version = typeof(RolloutMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(RolloutMetrics).Assembly.GetName().Version?.ToString()
            ?? "unknown";
        var metadata = version.IndexOf('+', StringComparison.Ordinal);
        return metadata < 0 ? version : version[..metadata];
    }
}
