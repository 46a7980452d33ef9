using System.Diagnostics;
using Flagger.Core.Telemetry;
using Flagger.Infrastructure.Http;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Flagger.Rollouts;

/// <summary>
/// What both hosts trace and measure; each host adds its exporter (Azure Monitor in the Function App, OTLP in
/// Flagger.Host). Traces: our spans (<see cref="TickTracing"/>), the Durable Task SDK's orchestration and activity
/// spans, and a client span per outgoing HTTP request (Kubernetes API, Prometheus, webhooks, alerts). Metrics:
/// our instruments (<see cref="FlaggerTelemetry"/>) and HttpClient's request durations.
/// </summary>
public static class FlaggerOpenTelemetry
{
    /// <summary>The Durable Task SDK's ActivitySource (its worker and client spans).</summary>
    public const string DurableTaskSource = "Microsoft.DurableTask";

    public static TracerProviderBuilder AddFlaggerTracing(this TracerProviderBuilder tracing) =>
        tracing
            .AddSource(FlaggerTelemetry.Name, DurableTaskSource)
            .AddHttpClientInstrumentation(http => http.EnrichWithHttpRequestMessage = HostOnlyUrl);

    public static MeterProviderBuilder AddFlaggerMetrics(this MeterProviderBuilder metrics) =>
        metrics
            .AddMeter(FlaggerTelemetry.Name)
            .AddHttpClientInstrumentation();

    /// <summary>
    /// Webhook and alert URLs carry secrets in the path or the query (Slack, Discord, tokens): their spans keep the
    /// scheme and host, as their logs do. The instrumentation already drops user info and query values elsewhere.
    /// </summary>
    private static void HostOnlyUrl(Activity activity, HttpRequestMessage request)
    {
        if (HostOnlyHttpClientLogger.IsHostOnly(request))
        {
            activity.SetTag("url.full", HostOnlyHttpClientLogger.Where(request.RequestUri));
        }
    }
}
