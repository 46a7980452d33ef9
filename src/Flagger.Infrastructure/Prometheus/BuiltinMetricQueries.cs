using Flagger.Core.Model;

namespace Flagger.Infrastructure.Prometheus;

/// <summary>
/// Flagger's builtin <c>request-success-rate</c> and <c>request-duration</c> for the Gateway API provider
/// (spec §5.1, HttpObserver): application metrics <c>http_request_duration_seconds_*</c> of the canary
/// pods (<c>&lt;target&gt;-&lt;rs&gt;-&lt;pod&gt;</c>, which the pod regex tells apart from primary pods).
/// </summary>
public static class BuiltinMetricQueries
{
    private const string CanaryPods =
        "kubernetes_namespace=\"{{ namespace }}\", kubernetes_pod_name=~\"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)\"";

    /// <summary>Percentage (0 to 100) of requests not answered 5xx.</summary>
    public const string RequestSuccessRate =
        "sum(rate(http_request_duration_seconds_count{" + CanaryPods + ", status!~\"5.*\"}[{{ interval }}])) " +
        "/ sum(rate(http_request_duration_seconds_count{" + CanaryPods + "}[{{ interval }}])) * 100";

    /// <summary>P99 in seconds; <see cref="ToMilliseconds"/> turns it into what thresholds compare.</summary>
    public const string RequestDuration =
        "histogram_quantile(0.99, sum(rate(http_request_duration_seconds_bucket{" + CanaryPods + "}[{{ interval }}])) by (le))";

    /// <summary>The query template of a builtin metric, or null when the name is not builtin.</summary>
    public static string? For(CanaryMetric metric) => metric.Name switch
    {
        CanaryMetric.RequestSuccessRate => RequestSuccessRate,
        CanaryMetric.RequestDuration => RequestDuration,
        _ => null,
    };

    /// <summary>Providers whose builtins are the HttpObserver's (Flagger: <c>gatewayapi*</c> and <c>kubernetes</c>; empty means our default, Gateway API).</summary>
    public static bool SupportsProvider(string? provider) =>
        string.IsNullOrEmpty(provider) ||
        provider.StartsWith("gatewayapi", StringComparison.Ordinal) ||
        provider == "kubernetes";

    /// <summary>Seconds to milliseconds, truncated as Flagger does (<c>int64(v*1000)</c>); infinities stay infinite.</summary>
    public static double ToMilliseconds(double seconds) => Math.Truncate(seconds * 1000);
}
