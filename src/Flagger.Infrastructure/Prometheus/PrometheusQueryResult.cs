namespace Flagger.Infrastructure.Prometheus;

public enum PrometheusResultKind
{
    Value,

    /// <summary>Empty vector or NaN (Flagger's <c>ErrNoValuesFound</c>).</summary>
    NoValues,

    /// <summary>A vector with more than one series; Flagger silently takes the last, we refuse.</summary>
    MultipleSeries,

    /// <summary>A range vector (Flagger's <c>ErrMultipleValuesReturned</c>).</summary>
    MultipleValues,

    /// <summary>Unreachable, timed out, HTTP error, unreadable answer, or bad configuration.</summary>
    Failed,
}

/// <summary>The answer to one instant query, typed by Flagger's result rules.</summary>
public sealed record PrometheusQueryResult(PrometheusResultKind Kind, double Value, string? Error)
{
    public static PrometheusQueryResult Of(double value) => new(PrometheusResultKind.Value, value, null);

    public static readonly PrometheusQueryResult NoValues = new(PrometheusResultKind.NoValues, double.NaN, "no values found");

    public static PrometheusQueryResult Failed(string error) => new(PrometheusResultKind.Failed, double.NaN, error);

    public bool HasValue => Kind == PrometheusResultKind.Value;
}
