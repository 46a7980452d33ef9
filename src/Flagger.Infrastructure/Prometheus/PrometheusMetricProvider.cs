using System.Globalization;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Infrastructure.Kubernetes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flagger.Infrastructure.Prometheus;

/// <summary>
/// The metric port over Prometheus. A metric is, in this order: a <c>templateRef</c> (the MetricTemplate's
/// provider and query; a deprecated inline <c>query</c> beside it is ignored, where Flagger runs both), a
/// builtin (<c>request-success-rate</c>, <c>request-duration</c>), or a deprecated inline <c>query</c>.
/// Builtins and inline queries go to <c>spec.metricsServer</c> or the global <see cref="PrometheusOptions.Address"/>;
/// inline queries are not templated, as in Flagger. Messages never carry secret values.
/// </summary>
public sealed class PrometheusMetricProvider(
    PrometheusClient client,
    MetricQueryRenderer renderer,
    IClusterResources cluster,
    IOptions<PrometheusOptions> options,
    ILogger<PrometheusMetricProvider> logger) : IMetricProvider
{
    public const string ProviderName = "prometheus";

    /// <summary>Flagger's other provider types: known, so not silently queried as Prometheus, but not implemented here.</summary>
    private static readonly HashSet<string> s_unsupportedTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        "influxdb", "datadog", "externalmetrics", "stackdriver", "cloudwatch", "newrelic", "graphite", "dynatrace", "keptn", "splunk",
    };

    public async Task<MetricMeasurement> MeasureAsync(Canary canary, CanaryMetric metric, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(canary);
        ArgumentNullException.ThrowIfNull(metric);
        var source = await ResolveAsync(canary, metric, cancellationToken);
        if (source.Error is { } error)
        {
            return MetricMeasurement.Failure(error, source.Provider);
        }

        string query;
        try
        {
            query = source.Templated ? renderer.Render(source.Query!, canary, metric) : source.Query!;
        }
        catch (MetricQueryRenderException e)
        {
            return MetricMeasurement.Failure(e.Message, source.Provider, source.Query);
        }

        query = PrometheusClient.CollapseWhitespace(query);
        var result = await client.QueryAsync(source.Endpoint!, query, cancellationToken);
        return result.Kind switch
        {
            PrometheusResultKind.Value => MetricMeasurement.Of(
                source.InSeconds ? BuiltinMetricQueries.ToMilliseconds(result.Value) : result.Value, source.Provider, query),
            PrometheusResultKind.NoValues => MetricMeasurement.NoValues(source.Provider, query),
            _ => MetricMeasurement.Failure(result.Error ?? result.Kind.ToString(), source.Provider, query),
        };
    }

    public async Task<CheckResult> CheckAvailabilityAsync(Canary canary, CanaryMetric metric, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(canary);
        ArgumentNullException.ThrowIfNull(metric);
        var source = await ResolveAsync(canary, metric, cancellationToken);
        if (source.Error is { } error)
        {
            return new CheckResult(CheckKind.Provider, metric.Name, CheckVerdict.Failed, $"Error checking metric providers: {error}");
        }

        var online = await client.IsOnlineAsync(source.Endpoint!, cancellationToken);
        return online.HasValue
            ? new CheckResult(CheckKind.Provider, metric.Name, CheckVerdict.Passed, $"Prometheus at {source.Endpoint!.DisplayAddress} is online", Query: "vector(1)")
            : new CheckResult(CheckKind.Provider, metric.Name, CheckVerdict.Failed, $"Error checking metric providers: {online.Error}", Query: "vector(1)");
    }

    private async Task<MetricSource> ResolveAsync(Canary canary, CanaryMetric metric, CancellationToken cancellationToken)
    {
        try
        {
            if (metric.TemplateRef is { } templateRef)
            {
                return await FromTemplateAsync(canary, templateRef, cancellationToken);
            }

            if (BuiltinMetricQueries.For(metric) is { } builtin)
            {
                if (!BuiltinMetricQueries.SupportsProvider(canary.Spec.Provider))
                {
                    return MetricSource.Failed(
                        $"builtin metric {metric.Name} is not available for provider \"{canary.Spec.Provider}\"; use a MetricTemplate");
                }

                return new MetricSource(GlobalEndpoint(canary), builtin, Templated: true,
                    InSeconds: metric.Name == CanaryMetric.RequestDuration, ProviderName, null);
            }

            if (!string.IsNullOrWhiteSpace(metric.Query))
            {
                return new MetricSource(GlobalEndpoint(canary), metric.Query, Templated: false, InSeconds: false, ProviderName, null);
            }

            return MetricSource.Failed($"metric {metric.Name}: no usable metrics template and query were configured");
        }
        catch (PrometheusConfigurationException e)
        {
            return MetricSource.Failed(e.Message);
        }
    }

    private async Task<MetricSource> FromTemplateAsync(Canary canary, CrossNamespaceObjectReference templateRef, CancellationToken cancellationToken)
    {
        var templateNamespace = string.IsNullOrEmpty(templateRef.Namespace) ? canary.Metadata.NamespaceProperty : templateRef.Namespace;
        var template = await cluster.GetMetricTemplateAsync(templateNamespace, templateRef.Name, cancellationToken);
        if (template is null)
        {
            return MetricSource.Failed($"MetricTemplate {templateNamespace}/{templateRef.Name} not found");
        }

        var provider = template.Spec.Provider;
        var type = string.IsNullOrEmpty(provider.Type) ? ProviderName : provider.Type;
        if (s_unsupportedTypes.Contains(type))
        {
            return MetricSource.Failed(
                $"MetricTemplate {templateNamespace}/{templateRef.Name} uses provider type \"{type}\", which Flagger.Functions does not support (only prometheus)");
        }

        var providerName = ProviderName;
        if (!string.Equals(type, ProviderName, StringComparison.OrdinalIgnoreCase))
        {
            // Flagger's factory does the same: an unknown type is queried as Prometheus.
            PrometheusLogs.UnknownProviderType(logger, templateNamespace, templateRef.Name, type);
            providerName = $"{ProviderName} (unknown provider type \"{type}\" queried as Prometheus)";
        }

        // An empty address means the global Prometheus: Flagger would fail the check instead.
        var endpoint = PrometheusEndpoint.Parse(string.IsNullOrWhiteSpace(provider.Address) ? options.Value.Address : provider.Address)
            .WithHeaders(provider.Headers) with { InsecureSkipVerify = provider.InsecureSkipVerify };
        if (provider.SecretRef is { Name.Length: > 0 } secretRef)
        {
            var secret = await cluster.GetSecretAsync(templateNamespace, secretRef.Name, cancellationToken);
            if (secret is null)
            {
                return MetricSource.Failed(
                    $"secret {templateNamespace}/{secretRef.Name} of MetricTemplate {templateNamespace}/{templateRef.Name} not found", providerName);
            }

            endpoint = endpoint.WithSecret(secret);
        }

        return new MetricSource(endpoint.WithAzureMonitorPolicy(options.Value.AzureMonitorAuthentication), template.Spec.Query,
            Templated: true, InSeconds: false, providerName, null);
    }

    private PrometheusEndpoint GlobalEndpoint(Canary canary) =>
        PrometheusEndpoint.Parse(string.IsNullOrWhiteSpace(canary.Spec.MetricsServer) ? options.Value.Address : canary.Spec.MetricsServer)
            .WithAzureMonitorPolicy(options.Value.AzureMonitorAuthentication);

    private sealed record MetricSource(PrometheusEndpoint? Endpoint, string? Query, bool Templated, bool InSeconds, string Provider, string? Error)
    {
        public static MetricSource Failed(string error, string provider = ProviderName) => new(null, null, false, false, provider, error);
    }
}
