using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Flagger.Core.Model;
using Flagger.Host.Testing;
using Flagger.Sandbox;
using Flagger.Sandbox.Kubernetes;
using Flagger.Sandbox.Prometheus;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Flagger.Host.Tests;

/// <summary>
/// <c>/api/metrics</c> of a running Flagger.Host scraped by a real Prometheus, through a promotion and a
/// rollback: the series arrive with Flagger's types and help texts and the counts of what happened, and every
/// query of the Grafana dashboard (<c>infra/grafana/</c>) parses and returns data. The canary's one metric is
/// a MetricTemplate on that Prometheus reading our own success counter, so the first run passes and the second
/// (once a success is recorded) fails.
/// </summary>
public sealed partial class HostMetricsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] s_families =
    [
        "flagger_info", "flagger_canary_total", "flagger_canary_status", "flagger_canary_weight", "flagger_canary_duration_seconds",
        "flagger_canary_metric_analysis", "flagger_canary_successes_total", "flagger_canary_failures_total",
    ];

    private FakeClusterHost _env = null!;
    private PrometheusServer _prometheus = null!;

    public async Task InitializeAsync()
    {
        // No API key: the host listens on loopback only, and Prometheus scrapes it as it would in a cluster.
        _env = await FakeClusterHost.StartAsync("metricstests", apiKey: null);
        _prometheus = await PrometheusServer.StartAsync(new PrometheusServerOptions { ScrapeTargets = [_env.Address], MetricsPath = "/api/metrics", JobName = "flagger" });
    }

    public async Task DisposeAsync()
    {
        await _prometheus.DisposeAsync();
        await _env.DisposeAsync();
    }

    private Canary Canary => _env.Cluster.Get<Canary>("test", "podinfo")!;

    private void Seed()
    {
        _env.Cluster.Seed(SampleApp.ConfigMap("test", "podinfo"));
        _env.Cluster.Seed(SampleApp.Deployment("test", "podinfo", SampleApp.DefaultImage, replicas: 2));
        _env.Cluster.Seed(new MetricTemplate
        {
            Metadata = new V1ObjectMeta { Name = "promotions-so-far", NamespaceProperty = "test" },
            Spec = new MetricTemplateSpec
            {
                Provider = new MetricProvider { Type = "prometheus", Address = _prometheus.Address.ToString() },
                Query = "sum(flagger_canary_successes_total{namespace=\"{{ namespace }}\",name=\"{{ target }}\"}) or vector(0)",
            },
        });
        _env.Cluster.Seed(new Canary
        {
            Metadata = new V1ObjectMeta { Name = "podinfo", NamespaceProperty = "test" },
            Spec = new CanarySpec
            {
                Provider = "gatewayapi:v1",
                TargetRef = new LocalObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "podinfo" },
                Service = new CanaryService { Port = 9898, GatewayRefs = [new GatewayReference { Name = "public", Namespace = "gateway-system" }] },
                Analysis = new CanaryAnalysis
                {
                    Interval = "10s",
                    Threshold = 1,
                    StepWeight = 25,
                    MaxWeight = 50,
                    Metrics =
                    [
                        new CanaryMetric
                        {
                            Name = "promotions-so-far",
                            TemplateRef = new CrossNamespaceObjectReference { Name = "promotions-so-far" },
                            ThresholdRange = new ThresholdRange { Max = 0 },
                        },
                    ],
                },
            },
        });
    }

    private void NewImage(string image)
    {
        var target = _env.Cluster.Get<V1Deployment>("test", "podinfo")!;
        target.Spec.Template.Spec.Containers[0].Image = image;
        _env.Cluster.Seed(target);
    }

    private async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}; phase {Canary.Status?.Phase}, weight {Canary.Status?.CanaryWeight}; events: " +
                string.Join(" | ", _env.Cluster.List("v1", "Event", "test").Select(e => (string?)e["message"]).TakeLast(8)));
            await Task.Delay(250);
        }
    }

    private Task UntilPhaseAsync(CanaryPhase phase, TimeSpan timeout) =>
        UntilAsync(() => Task.FromResult(Canary.Status?.Phase == phase), timeout, phase.ToString());

    private async Task<JsonElement> QueryAsync(string promql)
    {
        var response = await _prometheus.Http.GetAsync(new Uri(_prometheus.Address, "api/v1/query?query=" + Uri.EscapeDataString(promql)));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(body.GetProperty("status").GetString() == "success", $"{promql}: {body}");
        return body.GetProperty("data").GetProperty("result");
    }

    private async Task<double?> ScalarAsync(string promql)
    {
        var result = await QueryAsync(promql);
        return result.GetArrayLength() == 0
            ? null
            : double.Parse(result[0].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task APromotionThenARollback_AreScrapedWithFlaggersTypes_AndEveryDashboardQueryReturnsData()
    {
        Seed();
        await UntilPhaseAsync(CanaryPhase.Initialized, TimeSpan.FromSeconds(90));
        NewImage("contosoacr.azurecr.io/podinfo:6.0.1");
        await UntilPhaseAsync(CanaryPhase.Succeeded, TimeSpan.FromSeconds(120));
        const string Success = "flagger_canary_successes_total{namespace=\"test\",name=\"podinfo\",deployment_strategy=\"canary\",analysis_status=\"completed\"}";
        await UntilAsync(async () => await ScalarAsync(Success) == 1, TimeSpan.FromSeconds(30), "the success in Prometheus");
        NewImage("contosoacr.azurecr.io/podinfo:6.0.2");
        await UntilPhaseAsync(CanaryPhase.Failed, TimeSpan.FromSeconds(120));
        const string Failure = "flagger_canary_failures_total{namespace=\"test\",name=\"podinfo\",deployment_strategy=\"canary\",analysis_status=\"completed\"}";
        await UntilAsync(async () => await ScalarAsync(Failure) == 1, TimeSpan.FromSeconds(30), "the failure in Prometheus");

        Assert.Equal(1, await ScalarAsync(Success));
        Assert.Equal(2, await ScalarAsync("flagger_canary_status{namespace=\"test\",name=\"podinfo\"}"));
        Assert.Equal(100, await ScalarAsync("flagger_canary_weight{namespace=\"test\",workload=\"podinfo-primary\"}"));
        Assert.Equal(1, await ScalarAsync("flagger_canary_total{namespace=\"test\"}"));
        // The second run read the first run's success through Prometheus: that is why it failed.
        Assert.Equal(1, await ScalarAsync("flagger_canary_metric_analysis{namespace=\"test\",name=\"podinfo\",metric=\"promotions-so-far\"}"));
        // Good run: the first analysis tick, then the metric ticks at 25 and 50; bad run: the first analysis tick and the failed metric tick.
        Assert.Equal(5, await ScalarAsync("flagger_canary_duration_seconds_count{namespace=\"test\",name=\"podinfo\"}"));
        Assert.Equal(12, (await QueryAsync("flagger_canary_duration_seconds_bucket{namespace=\"test\",name=\"podinfo\"}")).GetArrayLength());
        output.WriteLine($"analysed ticks: {await ScalarAsync("flagger_canary_duration_seconds_count")}, " +
            $"seconds in all: {await ScalarAsync("flagger_canary_duration_seconds_sum")}, " +
            $"at most 0.1 s: {await ScalarAsync("flagger_canary_duration_seconds_bucket{le=\"0.1\"}")}, at most 0.5 s: {await ScalarAsync("flagger_canary_duration_seconds_bucket{le=\"0.5\"}")}");
        var info = Assert.Single((await QueryAsync("flagger_info")).EnumerateArray());
        Assert.Equal("gatewayapi:v1", info.GetProperty("metric").GetProperty("mesh_provider").GetString());

        await MetadataIsFlaggersAsync();
        await EveryDashboardQueryReturnsDataAsync();
    }

    private async Task MetadataIsFlaggersAsync()
    {
        var metadata = (await _prometheus.Http.GetFromJsonAsync<JsonElement>(new Uri(_prometheus.Address, "api/v1/metadata"))).GetProperty("data");
        var expected = new Dictionary<string, (string Type, string Help)>
        {
            ["flagger_info"] = ("gauge", "Flagger version and mesh provider information"),
            ["flagger_canary_total"] = ("gauge", "Total number of canary object"),
            ["flagger_canary_status"] = ("gauge", "Last canary analysis result"),
            ["flagger_canary_weight"] = ("gauge", "The virtual service destination weight current value"),
            ["flagger_canary_duration_seconds"] = ("histogram", "Seconds spent performing canary analysis."),
            ["flagger_canary_metric_analysis"] = ("gauge", "Last canary analysis result per metric"),
            ["flagger_canary_successes_total"] = ("counter", "Total number of canary successes"),
            ["flagger_canary_failures_total"] = ("counter", "Total number of canary failures"),
        };
        foreach (var (name, (type, help)) in expected)
        {
            Assert.True(metadata.TryGetProperty(name, out var entries), $"Prometheus has no metadata for {name}");
            Assert.Equal((type, help), (entries[0].GetProperty("type").GetString()!, entries[0].GetProperty("help").GetString()!));
        }
    }

    [GeneratedRegex(@"flagger_[a-z_]+")]
    private static partial Regex SeriesName();

    [GeneratedRegex(@"^label_values\((?<selector>.+),\s*(?<label>[a-z_]+)\)$")]
    private static partial Regex LabelValues();

    /// <summary>Grafana's variables as a user who picked the test canary would have them.</summary>
    private static string Expand(string query) => query
        .Replace("$__rate_interval", "1m", StringComparison.Ordinal)
        .Replace("$__range", "10m", StringComparison.Ordinal)
        .Replace("$namespace", "test", StringComparison.Ordinal)
        .Replace("$canary", "podinfo", StringComparison.Ordinal);

    private async Task EveryDashboardQueryReturnsDataAsync()
    {
        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(DashboardPath()));
        var exported = s_families.SelectMany(f => new[] { f, f + "_bucket", f + "_sum", f + "_count" }).ToHashSet(StringComparer.Ordinal);
        var checkedQueries = 0;
        foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
        {
            foreach (var target in panel.GetProperty("targets").EnumerateArray())
            {
                var expr = target.GetProperty("expr").GetString()!;
                Assert.All(SeriesName().Matches(expr).Select(m => m.Value), name => Assert.Contains(name, exported));
                var result = await QueryAsync(Expand(expr));
                output.WriteLine($"{panel.GetProperty("title").GetString()}: {result.GetArrayLength()} series for {Expand(expr)}");
                Assert.True(result.GetArrayLength() > 0, $"panel \"{panel.GetProperty("title").GetString()}\" returned no data for {Expand(expr)}");
                checkedQueries++;
            }
        }

        foreach (var variable in dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray()
            .Where(v => v.GetProperty("type").GetString() == "query"))
        {
            var match = LabelValues().Match(variable.GetProperty("definition").GetString()!);
            Assert.True(match.Success, $"variable {variable.GetProperty("name").GetString()} is not a label_values query");
            var series = await _prometheus.Http.GetFromJsonAsync<JsonElement>(
                new Uri(_prometheus.Address, "api/v1/series?match[]=" + Uri.EscapeDataString(Expand(match.Groups["selector"].Value))));
            var values = series.GetProperty("data").EnumerateArray().Select(s => s.GetProperty(match.Groups["label"].Value).GetString()).Distinct().ToList();
            output.WriteLine($"${variable.GetProperty("name").GetString()}: {string.Join(", ", values)}");
            Assert.Contains(variable.GetProperty("name").GetString() == "namespace" ? "test" : "podinfo", values);
        }

        Assert.True(checkedQueries >= 12, $"only {checkedQueries} panel queries");
    }

    private static string DashboardPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Flagger.Functions.sln")))
            {
                return Path.Combine(dir.FullName, "infra", "grafana", "flagger-functions.json");
            }
        }

        throw new InvalidOperationException($"no Flagger.Functions.sln above {AppContext.BaseDirectory}");
    }
}
