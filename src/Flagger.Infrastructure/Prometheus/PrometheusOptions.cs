using System.ComponentModel.DataAnnotations;

namespace Flagger.Infrastructure.Prometheus;

/// <summary>The global Prometheus: builtin metrics and deprecated inline queries run here (Flagger's <c>-metrics-server</c>).</summary>
public sealed class PrometheusOptions
{
    public const string Section = "Prometheus";

    /// <summary>May carry a path prefix (<c>http://mimir/prometheus</c>). Flagger's default.</summary>
    [Required(ErrorMessage = Messages.Required)]
    [HttpUrl]
    public string Address { get; set; } = "http://prometheus:9090";

    /// <summary>For one query, retries included (Flagger: 5 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00", ErrorMessage = Messages.Between)]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>When to send an Entra token for Azure Monitor managed Prometheus.</summary>
    public AzureMonitorAuthentication AzureMonitorAuthentication { get; set; } = AzureMonitorAuthentication.Auto;
}

public enum AzureMonitorAuthentication
{
    /// <summary>Only to <c>*.prometheus.monitor.azure.com</c> query endpoints.</summary>
    Auto,

    /// <summary>To every Prometheus address whose MetricTemplate has no secret of its own (private endpoints, proxies).</summary>
    Always,

    /// <summary>Never, not even to Azure Monitor hosts.</summary>
    Never,
}
