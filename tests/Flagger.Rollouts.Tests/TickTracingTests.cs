using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flagger.Core.Model;
using Flagger.Core.Telemetry;
using Flagger.Sandbox;
using Flagger.Testing.Azurite;
using Flagger.Testing.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Flagger.Rollouts.Tests;

/// <summary>
/// The spans of real ticks: the tick activity from the real composition (AddFlagger) against the sandbox's fake
/// API server over HTTPS, its real Prometheus, a local webhook receiver and Azurite, exported in memory through the
/// hosts' own tracing setup (<see cref="FlaggerOpenTelemetry.AddFlaggerTracing"/>), the activity's request and outcome round-tripped
/// through JSON as the Durable host does. The source and meter are process-wide, so these tests run alone
/// (<see cref="TelemetryCollection"/>): another test's ticks would otherwise be captured with theirs.
/// </summary>
[Collection(nameof(TelemetryCollection))]
public sealed class TickTracingTests
{
    private const string Secret = "hook-s3cr3t";

    [Fact]
    public async Task ATickWithChecks_IsOneTrace_TickRootWithObserveChecksApply_ACheckSpanPerCallAndHttpSpansUnderTheirStep_AndIsMeasured()
    {
        await using var azurite = await AzuriteServer.StartAsync();
        await using var receiver = await HttpReceiver.StartAsync();
        await using var sandbox = await SandboxCluster.StartAsync(new SandboxOptions
        {
            ExtraWebhooks = [new JsonObject { ["name"] = "load", ["type"] = "rollout", ["url"] = receiver.Url($"load/{Secret}?token={Secret}").ToString() }],
        });
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddFlaggerTracing().AddInMemoryExporter(spans).Build();
        using var metering = Sdk.CreateMeterProviderBuilder().AddFlaggerMetrics().AddInMemoryExporter(metrics).Build();
        await using var services = Services(sandbox, azurite);
        var steps = services.GetRequiredService<RolloutSteps>();
        var now = DateTimeOffset.UtcNow;
        var interval = TimeSpan.FromSeconds(10);

        List<Activity>? checkedTick = null;
        // The simulated Deployments take a second to become ready: ticks a little apart in real time as well.
        var log = new List<string>();
        var pushed = false;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        for (var i = 0; checkedTick is null && DateTime.UtcNow < deadline; i++, await Task.Delay(250))
        {
            if (!pushed && log.LastOrDefault()?.StartsWith($"{CanaryPhase.Initialized}:", StringComparison.Ordinal) == true)
            {
                await sandbox.SetImageAsync("podinfo", "contosoacr.azurecr.io/podinfo:6.1.0");
                pushed = true;
            }

            lock (spans)
            {
                spans.Clear();
            }

            await TickAsync(steps, sandbox.Namespace, now, log);
            now += interval;
            tracing.ForceFlush();
            lock (spans)
            {
                if (spans.Any(s => s.OperationName == "flagger.check" && s.GetTagItem(FlaggerTelemetry.CheckKindAttribute) is "Metric"))
                {
                    checkedTick = [.. spans];
                }
            }
        }

        Assert.True(checkedTick is not null, $"no tick ran metric checks: {string.Join(" | ", log.TakeLast(6))}");
        var ours = checkedTick.Where(s => s.Source.Name == FlaggerTelemetry.Name).ToList();
        var tick = Assert.Single(ours, s => s.OperationName == TickTracing.TickSpan);
        Assert.Equal(default, tick.ParentSpanId);
        Assert.Equal("podinfo", tick.GetTagItem(FlaggerTelemetry.CanaryAttribute));
        Assert.Equal(sandbox.Namespace, tick.GetTagItem(FlaggerTelemetry.NamespaceAttribute));
        // Every span of ours, and every HTTP span made on the tick's behalf, is in the tick's one trace.
        Assert.All(ours, s => Assert.Equal(tick.TraceId, s.TraceId));

        var observe = Assert.Single(ours, s => s.OperationName == TickTracing.ObserveSpan);
        var checks = Assert.Single(ours, s => s.OperationName == TickTracing.ChecksSpan);
        var apply = Assert.Single(ours, s => s.OperationName == TickTracing.ApplySpan);
        Assert.All([observe, checks, apply], s => Assert.Equal(tick.SpanId, s.ParentSpanId));

        var checkSpans = ours.Where(s => s.OperationName == "flagger.check").ToList();
        Assert.All(checkSpans, s => Assert.Equal(checks.SpanId, s.ParentSpanId));
        var hook = Assert.Single(checkSpans, s => s.GetTagItem(FlaggerTelemetry.CheckNameAttribute) is "load");
        Assert.Equal("Webhook", hook.GetTagItem(FlaggerTelemetry.CheckKindAttribute));
        Assert.Equal("Passed", hook.GetTagItem(FlaggerTelemetry.VerdictAttribute));
        var metric = Assert.Single(checkSpans, s => s.GetTagItem(FlaggerTelemetry.CheckNameAttribute) is "request-success-rate" && s.GetTagItem(FlaggerTelemetry.CheckKindAttribute) is "Metric");
        Assert.Equal("podinfo", metric.GetTagItem(FlaggerTelemetry.CanaryAttribute));
        Assert.NotNull(metric.GetTagItem(FlaggerTelemetry.VerdictAttribute));

        var http = checkedTick.Where(s => s.Kind == ActivityKind.Client && s.GetTagItem("http.request.method") is not null).ToList();
        var byId = checkedTick.ToDictionary(s => s.SpanId);
        Assert.All(http, s => Assert.Equal(tick.TraceId, s.TraceId));
        Assert.Contains(http, s => s.ParentSpanId == observe.SpanId && Port(s) == sandbox.ApiServer.BaseAddress.Port);
        Assert.Contains(http, s => s.ParentSpanId == apply.SpanId && Port(s) == sandbox.ApiServer.BaseAddress.Port);
        Assert.Contains(http, s => s.ParentSpanId == hook.SpanId && Port(s) == receiver.BaseAddress.Port);
        Assert.Contains(http, s => s.ParentSpanId == metric.SpanId && Port(s) == sandbox.PrometheusAddress.Port);

        // The webhook's URL is recorded by scheme and host only: its path and query carry the secret.
        Assert.All(checkedTick, s => Assert.All(s.TagObjects, t => Assert.DoesNotContain(Secret, t.Value?.ToString() ?? "", StringComparison.Ordinal)));
        Assert.All(checkedTick, s => Assert.DoesNotContain(Secret, s.DisplayName, StringComparison.Ordinal));

        // The same ticks measured: each step's duration, the ticks by phase, the webhook calls by hook and outcome.
        metering.ForceFlush();
        var measuredSteps = Points(metrics, "flagger.tick.step.duration").Select(p => Tag(p, FlaggerTelemetry.StepAttribute)).ToHashSet();
        Assert.Superset(new HashSet<string?> { "observe", "checks", "apply" }, measuredSteps);
        Assert.Contains(Points(metrics, "flagger.ticks"), p => Tag(p, FlaggerTelemetry.PhaseAttribute) == "Progressing" && p.GetSumLong() > 0);
        Assert.Contains(Points(metrics, "flagger.webhook.requests"), p => Tag(p, FlaggerTelemetry.WebhookAttribute) == "load" && Tag(p, FlaggerTelemetry.OutcomeAttribute) == "succeeded" && p.GetSumLong() > 0);
        Assert.Contains(Points(metrics, "flagger.webhook.duration"), p => Tag(p, FlaggerTelemetry.WebhookAttribute) == "load" && p.GetHistogramCount() > 0);
    }

    private static List<MetricPoint> Points(List<Metric> metrics, string name)
    {
        var points = new List<MetricPoint>();
        foreach (var metric in metrics.Where(m => m.Name == name))
        {
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                points.Add(point);
            }
        }

        return points;
    }

    private static string? Tag(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key)
            {
                return tag.Value?.ToString();
            }
        }

        return null;
    }

    [Fact]
    public async Task TwoTicks_AreTwoTraces()
    {
        await using var azurite = await AzuriteServer.StartAsync();
        await using var sandbox = await SandboxCluster.StartAsync(new SandboxOptions { RunTraffic = false });
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddFlaggerTracing().AddInMemoryExporter(spans).Build();
        await using var services = Services(sandbox, azurite);
        var steps = services.GetRequiredService<RolloutSteps>();
        var now = DateTimeOffset.UtcNow;

        await TickAsync(steps, sandbox.Namespace, now);
        await TickAsync(steps, sandbox.Namespace, now + TimeSpan.FromSeconds(10));
        tracing.ForceFlush();

        var ticks = spans.Where(s => s.OperationName == TickTracing.TickSpan).ToList();
        Assert.Equal(2, ticks.Count);
        Assert.NotEqual(ticks[0].TraceId, ticks[1].TraceId);
        Assert.All(spans.Where(s => s.OperationName is TickTracing.ObserveSpan or TickTracing.ApplySpan), s => Assert.Contains(ticks, t => t.TraceId == s.TraceId && t.SpanId == s.ParentSpanId));
    }

    /// <summary>One tick as the orchestrator runs it, its request and outcome round-tripped through JSON as the Durable host does.</summary>
    private static async Task TickAsync(RolloutSteps steps, string @namespace, DateTimeOffset now, List<string>? log = null)
    {
        var outcome = Durable(await steps.TickAsync(Durable(new TickRequest(@namespace, "podinfo", now, Guid.NewGuid().ToString("N"))), CancellationToken.None));
        Assert.NotNull(outcome);
        log?.Add($"{outcome.Phase}: {outcome.Summary}");
    }

    private static T Durable<T>(T value) => JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(value))!;

    private static int? Port(Activity span) => span.GetTagItem("server.port") switch
    {
        int port => port,
        long port => (int)port,
        string text when int.TryParse(text, out var port) => port,
        _ => null,
    };

    private static ServiceProvider Services(SandboxCluster sandbox, AzuriteServer azurite)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kubernetes:Kubeconfig"] = sandbox.KubeconfigPath,
            ["Prometheus:Address"] = sandbox.PrometheusAddress.ToString(),
            ["StateStore:ConnectionString"] = azurite.ConnectionString,
        }).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging();
        services.AddFlagger();
        return services.BuildServiceProvider();
    }
}

[CollectionDefinition(nameof(TelemetryCollection), DisableParallelization = true)]
public sealed class TelemetryCollection;
