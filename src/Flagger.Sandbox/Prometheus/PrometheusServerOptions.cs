namespace Flagger.Sandbox.Prometheus;

/// <summary>How to start a <see cref="PrometheusServer"/>.</summary>
public sealed class PrometheusServerOptions
{
    /// <summary>Endpoints to scrape (their authority is used, with <see cref="MetricsPath"/>); when empty the
    /// server starts a <see cref="ScrapeTarget"/> of its own and scrapes that.</summary>
    public IReadOnlyList<Uri> ScrapeTargets { get; init; } = [];

    public TimeSpan ScrapeInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Keep the scraped series' own labels when they clash with the target's (<c>honor_labels</c>).</summary>
    public bool HonorLabels { get; init; } = true;

    public string JobName { get; init; } = "flagger-tests";

    public string MetricsPath { get; init; } = "/metrics";

    /// <summary>Parent of the server's config and data directory; the system temp directory when null.</summary>
    public string? WorkDirectory { get; init; }
}
