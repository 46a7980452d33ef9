using Flagger.Core.Analysis;
using Flagger.Core.Model;

namespace Flagger.Core.Ports;

/// <summary>Runs a canary metric against its provider (builtin, inline query, or MetricTemplate).</summary>
public interface IMetricProvider
{
    Task<MetricMeasurement> MeasureAsync(Canary canary, CanaryMetric metric, CancellationToken cancellationToken);

    /// <summary>Whether the provider behind <paramref name="metric"/> answers at all (<c>vector(1)</c> for Prometheus).</summary>
    Task<CheckResult> CheckAvailabilityAsync(Canary canary, CanaryMetric metric, CancellationToken cancellationToken);
}
