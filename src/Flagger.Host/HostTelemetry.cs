using Flagger.Rollouts;
using OpenTelemetry;
using OpenTelemetry.Resources;

namespace Flagger.Host;

/// <summary>
/// Traces and metrics of the host (<see cref="FlaggerOpenTelemetry"/>) sent by OTLP, only when an OTLP endpoint
/// is configured with the standard variables (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, or the per-signal
/// <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c>/<c>_METRICS_ENDPOINT</c>; <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>,
/// <c>_HEADERS</c>, <c>OTEL_SERVICE_NAME</c>, <c>OTEL_RESOURCE_ATTRIBUTES</c>... as the SDK reads them). Without
/// one, no OpenTelemetry provider is registered at all: nothing listens to our spans, so none is even created.
/// </summary>
public static class HostTelemetry
{
    public const string DefaultServiceName = "flagger-host";

    private static readonly string[] s_endpointSettings =
        ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"];

    public static bool OtlpConfigured(IConfiguration configuration) =>
        s_endpointSettings.Any(setting => !string.IsNullOrWhiteSpace(configuration[setting]));

    public static WebApplicationBuilder AddOtlpWhenConfigured(this WebApplicationBuilder builder)
    {
        if (!OtlpConfigured(builder.Configuration))
        {
            return builder;
        }

        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : DefaultServiceName;
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing => tracing.AddFlaggerTracing())
            .WithMetrics(metrics => metrics.AddFlaggerMetrics())
            .UseOtlpExporter();
        return builder;
    }
}
