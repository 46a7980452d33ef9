using Flagger.Sandbox;
using Flagger.Sandbox.Kubernetes;
using Flagger.Testing.Azurite;
using Flagger.Testing.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Flagger.Host.Tests;

/// <summary>The host's OTLP export, to a local OTLP/HTTP receiver: on with the standard variables, absent without.</summary>
public sealed class HostTelemetryTests
{
    [Fact]
    public async Task WithAnOtlpEndpoint_TheHostSendsTickTracesAndMetricsThereOverHttpProtobuf()
    {
        await using var collector = await HttpReceiver.StartAsync();
        await using var azurite = await AzuriteServer.StartAsync();
        await using var cluster = await FakeKubernetesApiServer.StartAsync();
        cluster.Seed(SampleApp.ConfigMap("test", "podinfo"));
        cluster.Seed(SampleApp.Deployment("test", "podinfo", SampleApp.DefaultImage, replicas: 2));
        cluster.Seed(SampleApp.Canary("test", SampleVariant.Progressive, new SandboxOptions()));
        await using var host = await StartHostAsync(azurite, cluster, "telemetry", new()
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.BaseAddress.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
        });

        // The sweep starts the canary's rollout: its ticks are traced and measured.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (!(Sent(collector, "/v1/traces", "flagger.tick") && Sent(collector, "/v1/traces", "flagger.apply") && Sent(collector, "/v1/metrics", "flagger.tick.step.duration")))
        {
            Assert.True(DateTime.UtcNow < deadline, $"nothing exported in time; requests: {string.Join(", ", collector.Requests.Select(r => $"{r.Method} {r.Path}"))}");
            await Task.Delay(200);
        }

        var traces = collector.RequestsTo("/v1/traces");
        Assert.All(traces, r => Assert.Equal("POST", r.Method));
        Assert.All(traces, r => Assert.StartsWith("application/x-protobuf", r.Headers["Content-Type"], StringComparison.Ordinal));
        Assert.Contains(traces, r => r.Body.Contains(HostTelemetry.DefaultServiceName, StringComparison.Ordinal));
        // The Durable Task SDK's own spans go along (orchestration and activity executions).
        Assert.Contains(traces, r => r.Body.Contains("activity:RunCanaryTick", StringComparison.Ordinal));
        await host.StopAsync();
    }

    [Fact]
    public async Task WithoutAnOtlpEndpoint_TheHostRegistersNoTracerOrMeterProvider()
    {
        await using var azurite = await AzuriteServer.StartAsync();
        await using var cluster = await FakeKubernetesApiServer.StartAsync();
        await using var host = await StartHostAsync(azurite, cluster, "notelemetry", []);

        Assert.Null(host.Services.GetService<TracerProvider>());
        Assert.Null(host.Services.GetService<MeterProvider>());
        await host.StopAsync();
    }

    private static bool Sent(HttpReceiver collector, string path, string content) =>
        collector.RequestsTo(path).Any(r => r.Body.Contains(content, StringComparison.Ordinal));

    private static async Task<WebApplication> StartHostAsync(AzuriteServer azurite, FakeKubernetesApiServer cluster, string taskHub, Dictionary<string, string?> settings)
    {
        var host = await FlaggerHost.BuildAsync([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Kubernetes:Kubeconfig"] = cluster.KubeconfigPath,
                ["StateStore:ConnectionString"] = azurite.ConnectionString,
                ["Prometheus:Address"] = "http://127.0.0.1:9",
                ["Host:ApiKey"] = "secret",
                ["Host:TaskHubName"] = taskHub,
                ["Host:SweepInterval"] = "00:00:01",
                ["Host:RolloutInterval"] = "00:00:01",
                ["Logging:LogLevel:Default"] = "Warning",
            });
            builder.Configuration.AddInMemoryCollection(settings);
        });
        await host.StartAsync();
        return host;
    }
}
