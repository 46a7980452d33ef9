using Microsoft.Extensions.Logging;

namespace Flagger.Infrastructure.Prometheus;

/// <summary>Log messages of the Prometheus metric provider (event ids 41xx). No secrets: addresses are shown without user info.</summary>
internal static partial class PrometheusLogs
{
    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Prometheus query to {PrometheusAddress} failed: {Reason}")]
    public static partial void QueryFailed(ILogger logger, string prometheusAddress, string reason);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning,
        Message = "MetricTemplate {TemplateNamespace}/{TemplateName} has provider type {ProviderType}, which is unknown: querying it as Prometheus")]
    public static partial void UnknownProviderType(ILogger logger, string templateNamespace, string templateName, string providerType);
}
