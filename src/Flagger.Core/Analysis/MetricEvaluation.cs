using System.Globalization;
using System.Text.Json.Serialization;
using Flagger.Core.Model;

namespace Flagger.Core.Analysis;

[JsonConverter(typeof(JsonStringEnumConverter<MeasurementStatus>))]
public enum MeasurementStatus
{
    Value,

    /// <summary>Empty result or NaN: the target is probably not receiving traffic.</summary>
    NoValues,

    /// <summary>The query could not be run or its answer not used (provider down, template missing, render error).</summary>
    Failed,
}

/// <summary>What a metric provider answered for one metric. Request durations are in milliseconds.</summary>
public sealed record MetricMeasurement(MeasurementStatus Status, double Value, string Provider, string? Query, string? Error)
{
    public static MetricMeasurement Of(double value, string provider = "prometheus", string? query = null) =>
        new(MeasurementStatus.Value, value, provider, query, null);

    public static MetricMeasurement NoValues(string provider = "prometheus", string? query = null) =>
        new(MeasurementStatus.NoValues, double.NaN, provider, query, null);

    public static MetricMeasurement Failure(string error, string provider = "prometheus", string? query = null) =>
        new(MeasurementStatus.Failed, double.NaN, provider, query, error);
}

/// <summary>Compares a measured value with the metric's range (spec §5.2) and applies the no-data policy.</summary>
public static class MetricEvaluation
{
    public static CheckResult Evaluate(Canary canary, CanaryMetric metric, MetricMeasurement measurement)
    {
        var who = $"{canary.Metadata.Name}.{canary.Metadata.NamespaceProperty}";
        switch (measurement.Status)
        {
            case MeasurementStatus.Failed:
                return Result(CheckVerdict.Failed, $"Metric query failed for {metric.Name}: {measurement.Error}");
            case MeasurementStatus.NoValues:
                var noValues = $"Halt advancement no values found for {measurement.Provider} metric {metric.Name} " +
                    $"probably {canary.Spec.TargetRef.Name}.{canary.Metadata.NamespaceProperty} is not receiving traffic";
                return metric.NoDataPolicy switch
                {
                    NoDataPolicy.Pass => Result(CheckVerdict.Passed, $"No values found for metric {metric.Name}, passing (onNoData: pass)"),
                    NoDataPolicy.Skip => Result(CheckVerdict.Skipped, $"No values found for metric {metric.Name}, skipped (onNoData: skip)"),
                    _ => Result(CheckVerdict.Failed, noValues),
                };
        }

        var value = measurement.Value;
        var (min, max) = Bounds(metric);
        if (min is null && max is null)
        {
            return Result(CheckVerdict.Failed, $"Metric {metric.Name} has no thresholdRange or threshold to compare {Format(value)} with");
        }

        if (min is { } low && value < low)
        {
            return Result(CheckVerdict.Failed, metric.Name switch
            {
                CanaryMetric.RequestSuccessRate => $"Halt {who} advancement success rate {Format(value)}% < {Format(low)}%",
                CanaryMetric.RequestDuration => $"Halt {who} advancement request duration {FormatMs(value)} < {FormatMs(low)}",
                _ => $"Halt {who} advancement {metric.Name} {Format(value)} < {Format(low)}",
            });
        }

        if (max is { } high && value > high)
        {
            return Result(CheckVerdict.Failed, metric.Name switch
            {
                CanaryMetric.RequestSuccessRate => $"Halt {who} advancement success rate {Format(value)}% > {Format(high)}%",
                CanaryMetric.RequestDuration => $"Halt {who} advancement request duration {FormatMs(value)} > {FormatMs(high)}",
                _ => $"Halt {who} advancement {metric.Name} {Format(value)} > {Format(high)}",
            });
        }

        return Result(CheckVerdict.Passed, $"Metric {metric.Name} {Format(value)} within range");

        CheckResult Result(CheckVerdict verdict, string message) =>
            new(CheckKind.Metric, metric.Name, verdict, message,
                measurement.Status == MeasurementStatus.Value ? measurement.Value : null,
                new ThresholdRange { Min = Bounds(metric).Min, Max = Bounds(metric).Max }, measurement.Query);
    }

    /// <summary>
    /// The effective bounds. The deprecated <c>threshold</c> is a minimum for the success rate and a maximum
    /// for everything else; <c>thresholdRange</c> wins when both are set.
    /// </summary>
    public static (double? Min, double? Max) Bounds(CanaryMetric metric)
    {
        if (metric.ThresholdRange is { } range && (range.Min is not null || range.Max is not null))
        {
            return (range.Min, range.Max);
        }

        if (metric.Threshold is { } threshold)
        {
            return metric.Name == CanaryMetric.RequestSuccessRate ? (threshold, null) : (null, threshold);
        }

        return (null, null);
    }

    private static string Format(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string FormatMs(double milliseconds) =>
        milliseconds >= 1000 ? $"{Format(milliseconds / 1000)}s" : $"{Format(milliseconds)}ms";
}
