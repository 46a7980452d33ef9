using Flagger.Core.Model;
using Flagger.Core.Ports;
using Prometheus;

namespace Flagger.Rollouts.Api;

/// <summary>
/// Flagger's own metric names in Prometheus text, computed from the state store at scrape time, so any
/// instance of the app answers the same (spec §8). <c>name</c> is the target's name, as in Flagger.
/// </summary>
public sealed class RolloutMetrics(IRolloutStore store, ICanaryCluster cluster)
{
    public async Task WriteAsync(Stream output, CancellationToken cancellationToken)
    {
        var registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(registry);
        var total = factory.CreateGauge("flagger_canary_total", "Total number of canary objects", "namespace");
        var status = factory.CreateGauge("flagger_canary_status", "Last canary analysis result (0 progressing, 1 other, 2 failed)", "name", "namespace");
        var weight = factory.CreateGauge("flagger_canary_weight", "The virtual service destination weight", "workload", "namespace");
        var analysis = factory.CreateGauge("flagger_canary_metric_analysis", "Last canary analysis result per metric", "name", "namespace", "metric");

        foreach (var checkpoint in await store.ListCheckpointsAsync(cancellationToken))
        {
            var canary = await cluster.GetCanaryAsync(checkpoint.Namespace, checkpoint.Name, cancellationToken);
            var target = canary?.Spec.TargetRef.Name ?? checkpoint.Name;
            total.WithLabels(checkpoint.Namespace).Inc();
            status.WithLabels(target, checkpoint.Namespace).Set(checkpoint.Status.Phase switch
            {
                CanaryPhase.Progressing => 0,
                CanaryPhase.Failed => 2,
                _ => 1,
            });
            weight.WithLabels($"{target}-primary", checkpoint.Namespace).Set(checkpoint.PrimaryWeight);
            weight.WithLabels(target, checkpoint.Namespace).Set(checkpoint.CanaryWeight);
            var last = (await store.GetHistoryAsync(checkpoint.Namespace, checkpoint.Name, 1, null, cancellationToken)).Entries.FirstOrDefault();
            foreach (var check in last?.Checks.Where(c => c.Value is not null) ?? [])
            {
                // Flagger exports durations in seconds; ours are measured in milliseconds.
                var value = check.Name == CanaryMetric.RequestDuration ? check.Value!.Value / 1000 : check.Value!.Value;
                analysis.WithLabels(target, checkpoint.Namespace, check.Name).Set(value);
            }
        }

        await registry.CollectAndExportAsTextAsync(output, cancellationToken);
    }
}
