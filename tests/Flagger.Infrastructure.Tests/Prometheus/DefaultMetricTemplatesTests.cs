using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Infrastructure.Prometheus;
using Flagger.Sandbox.Prometheus;
using Flagger.Testing.Prometheus;

namespace Flagger.Infrastructure.Tests.Prometheus;

/// <summary>The shipped MetricTemplates (infra/kubernetes/metric-templates) load, render, and measure what they claim.</summary>
[Collection(PrometheusCollection.Name)]
public sealed class DefaultMetricTemplatesTests : IDisposable
{
    private readonly PrometheusServer _prometheus;
    private readonly InMemoryClusterResources _cluster = new();
    private readonly Microsoft.Extensions.DependencyInjection.ServiceProvider _services;
    private readonly IMetricProvider _provider;
    private readonly string _ns = MetricCanaries.UniqueNamespace();

    public DefaultMetricTemplatesTests(PrometheusFixture fixture)
    {
        _prometheus = fixture.Server;
        _services = MetricServices.Build(_cluster, _prometheus.Address.ToString());
        _provider = _services.Provider();
        foreach (var template in Shipped().Values)
        {
            // Point the shipped template at the test Prometheus; everything else stays as shipped.
            template.Spec.Provider.Address = _prometheus.Address.ToString();
            _cluster.Add(template);
        }
    }

    public void Dispose() => _services.Dispose();

    [Fact]
    public void Manifests_LoadAsMetricTemplatesAndRenderStrictly()
    {
        var templates = Shipped();

        Assert.Equal(["envoy-gateway-error-rate", "envoy-gateway-latency", "istio-error-rate", "istio-latency"], templates.Keys.Order(StringComparer.Ordinal));
        var renderer = new MetricQueryRenderer();
        foreach (var template in templates.Values)
        {
            Assert.Equal("prometheus", template.Spec.Provider.Type);
            Assert.Equal("flagger-system", template.Metadata.NamespaceProperty);
            var query = renderer.Render(template.Spec.Query, MetricCanaries.Podinfo("shop"), new CanaryMetric { Name = template.Metadata.Name });
            Assert.DoesNotContain("{{", query, StringComparison.Ordinal);
            Assert.Contains("shop", query, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task IstioErrorRate_FivePercent5xx_FailsAOnePercentMax()
    {
        var labels = new Dictionary<string, string>
        {
            ["reporter"] = "source",
            ["destination_workload_namespace"] = _ns,
            ["destination_workload"] = "podinfo",
        };
        var now = DateTimeOffset.UtcNow;
        await _prometheus.PushAsync(
        [
            HttpTraffic.Counter("istio_requests_total", new Dictionary<string, string>(labels) { ["response_code"] = "200" }, 95, now),
            HttpTraffic.Counter("istio_requests_total", new Dictionary<string, string>(labels) { ["response_code"] = "503" }, 5, now),
            // Destination-side telemetry is not counted.
            HttpTraffic.Counter("istio_requests_total", new Dictionary<string, string>(labels) { ["reporter"] = "destination", ["response_code"] = "503" }, 500, now),
        ]);
        var canary = MetricCanaries.Podinfo(_ns);
        var metric = MetricCanaries.FromTemplate("error-rate", "istio-error-rate", "flagger-system", max: 1);

        var measurement = await _provider.MeasureAsync(canary, metric, CancellationToken.None);

        Assert.Equal(MeasurementStatus.Value, measurement.Status);
        Assert.Equal(5, measurement.Value, precision: 6);
        Assert.Equal(CheckVerdict.Failed, MetricEvaluation.Evaluate(canary, metric, measurement).Verdict);
    }

    [Fact]
    public async Task EnvoyGatewayLatency_CanaryBackendCluster_IsP99InMilliseconds()
    {
        var now = DateTimeOffset.UtcNow;
        var series = new List<RemoteWriteSeries>();
        foreach (var (cluster, inBucketUpTo) in new[] { ($"httproute/{_ns}/podinfo/rule/0/backend/1", 250), ($"httproute/{_ns}/podinfo/rule/0/backend/0", 5000) })
        {
            foreach (var le in new[] { "100", "250", "500", "5000", "+Inf" })
            {
                var count = le == "+Inf" || int.Parse(le, System.Globalization.CultureInfo.InvariantCulture) >= inBucketUpTo ? 40 : 0;
                series.Add(HttpTraffic.Counter("envoy_cluster_upstream_rq_time_bucket",
                    new Dictionary<string, string> { ["envoy_cluster_name"] = cluster, ["le"] = le }, count, now));
            }
        }

        await _prometheus.PushAsync(series);
        var measurement = await _provider.MeasureAsync(MetricCanaries.Podinfo(_ns),
            MetricCanaries.FromTemplate("latency", "envoy-gateway-latency", "flagger-system", max: 500), CancellationToken.None);

        Assert.Equal(MeasurementStatus.Value, measurement.Status);
        // Only the canary backend (backend/1): 100 + 150 * 0.99 ms; the primary's 5 s bucket is not included.
        Assert.Equal(248.5, measurement.Value, precision: 6);
    }

    private static Dictionary<string, MetricTemplate> Shipped()
    {
        var folder = Path.Combine(RepositoryRoot(), "infra", "kubernetes", "metric-templates");
        return Directory.GetFiles(folder, "*.yaml")
            .SelectMany(file => FlaggerYaml.LoadAll(File.ReadAllText(file)))
            .Cast<MetricTemplate>()
            .ToDictionary(t => t.Metadata.Name, StringComparer.Ordinal);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Flagger.Functions.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Flagger.Functions.sln not found above " + AppContext.BaseDirectory);
    }
}
