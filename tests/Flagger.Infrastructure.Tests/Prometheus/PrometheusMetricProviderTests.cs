using System.Diagnostics;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Infrastructure.Prometheus;
using Flagger.Sandbox.Prometheus;
using Flagger.Testing.Prometheus;
using Xunit.Abstractions;

namespace Flagger.Infrastructure.Tests.Prometheus;

/// <summary>The metric port against a real Prometheus fed exact samples by remote write.</summary>
[Collection(PrometheusCollection.Name)]
public sealed class PrometheusMetricProviderTests : IDisposable
{
    private readonly PrometheusServer _prometheus;
    private readonly ITestOutputHelper _output;
    private readonly InMemoryClusterResources _cluster = new();
    private readonly Microsoft.Extensions.DependencyInjection.ServiceProvider _services;
    private readonly IMetricProvider _provider;
    private readonly string _ns = MetricCanaries.UniqueNamespace();

    public PrometheusMetricProviderTests(PrometheusFixture fixture, ITestOutputHelper output)
    {
        _prometheus = fixture.Server;
        _output = output;
        _services = MetricServices.Build(_cluster, _prometheus.Address.ToString());
        _provider = _services.Provider();
    }

    public void Dispose() => _services.Dispose();

    [Fact]
    public async Task Builtins_HealthyCanary_PassWithExactValues()
    {
        await _prometheus.PushAsync(HttpTraffic.Pod(_ns, "podinfo-7d9c8b6f5-x2x4z", ok: 100, errors: 0, seconds: 0.2));
        var canary = MetricCanaries.Podinfo(_ns);

        var successRate = await MeasureAndEvaluateAsync(canary, MetricCanaries.SuccessRate(min: 99));
        var duration = await MeasureAndEvaluateAsync(canary, MetricCanaries.Duration(maxMs: 500));

        Assert.Equal(CheckVerdict.Passed, successRate.Verdict);
        Assert.Equal(100, successRate.Value!.Value, precision: 6);
        Assert.Equal(CheckVerdict.Passed, duration.Verdict);
        // P99 inside the (0.1 s, 0.25 s] bucket: 0.1 + 0.15 * 0.99 = 0.2485 s, truncated to ms as Flagger does.
        Assert.Equal(248, duration.Value);
        Assert.Contains($"kubernetes_namespace=\"{_ns}\"", successRate.Query, StringComparison.Ordinal);
        Assert.Contains("[1m]", duration.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SuccessRate_FiveXxHeavyCanary_FailsWithRateInMessage()
    {
        await _prometheus.PushAsync(HttpTraffic.Pod(_ns, "podinfo-7d9c8b6f5-x2x4z", ok: 90, errors: 10, seconds: 0.05));

        var result = await MeasureAndEvaluateAsync(MetricCanaries.Podinfo(_ns), MetricCanaries.SuccessRate(min: 99));

        Assert.Equal(CheckVerdict.Failed, result.Verdict);
        Assert.Equal(90, result.Value!.Value, precision: 6);
        Assert.Equal($"Halt podinfo.{_ns} advancement success rate 90% < 99%", result.Message);
    }

    [Fact]
    public async Task SuccessRate_OnlyPrimaryPodsFail_CanaryPodsAreMeasured()
    {
        // The pod regex matches <target>-<rs>-<pod>, not <target>-primary-<rs>-<pod>.
        await _prometheus.PushAsync(HttpTraffic.Pod(_ns, "podinfo-primary-5b8f9c7d4-qwert", ok: 0, errors: 50, seconds: 0.05)
            .Concat(HttpTraffic.Pod(_ns, "podinfo-7d9c8b6f5-x2x4z", ok: 99, errors: 1, seconds: 0.05)));

        var result = await MeasureAndEvaluateAsync(MetricCanaries.Podinfo(_ns), MetricCanaries.SuccessRate(min: 98));

        Assert.Equal(CheckVerdict.Passed, result.Verdict);
        Assert.Equal(99, result.Value!.Value, precision: 6);
    }

    [Fact]
    public async Task Duration_SlowCanary_FailsOverTheRange()
    {
        await _prometheus.PushAsync(HttpTraffic.Pod(_ns, "podinfo-7d9c8b6f5-x2x4z", ok: 100, errors: 0, seconds: 0.8));

        var result = await MeasureAndEvaluateAsync(MetricCanaries.Podinfo(_ns), MetricCanaries.Duration(maxMs: 500));

        Assert.Equal(CheckVerdict.Failed, result.Verdict);
        // P99 in the (0.5 s, 1 s] bucket: 0.5 + 0.5 * 0.99 = 0.995 s.
        Assert.InRange(result.Value!.Value, 994, 995);
        Assert.StartsWith($"Halt podinfo.{_ns} advancement request duration 99", result.Message, StringComparison.Ordinal);
        Assert.EndsWith("ms > 500ms", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, CheckVerdict.Failed)]
    [InlineData("fail", CheckVerdict.Failed)]
    [InlineData("pass", CheckVerdict.Passed)]
    [InlineData("skip", CheckVerdict.Skipped)]
    public async Task SuccessRate_NoTraffic_IsNoValuesAndFollowsOnNoData(string? onNoData, CheckVerdict expected)
    {
        var canary = MetricCanaries.Podinfo(_ns);
        var metric = MetricCanaries.SuccessRate(onNoData: onNoData);

        var measurement = await _provider.MeasureAsync(canary, metric, CancellationToken.None);
        var result = MetricEvaluation.Evaluate(canary, metric, measurement);

        Assert.Equal(MeasurementStatus.NoValues, measurement.Status);
        Assert.Equal(expected, result.Verdict);
        if (expected == CheckVerdict.Failed)
        {
            Assert.Equal($"Halt advancement no values found for prometheus metric request-success-rate probably podinfo.{_ns} is not receiving traffic", result.Message);
        }
    }

    [Fact]
    public async Task Template_QueryWithSeveralSeries_FailsNamingTheSeries()
    {
        await _prometheus.PushAsync(HttpTraffic.Pod(_ns, "podinfo-7d9c8b6f5-x2x4z", ok: 10, errors: 10, seconds: 0.05));
        _cluster.AddTemplate(_ns, "per-status", """rate(http_request_duration_seconds_count{kubernetes_namespace="{{ namespace }}"}[{{ interval }}])""",
            _prometheus.Address.ToString());

        var measurement = await _provider.MeasureAsync(MetricCanaries.Podinfo(_ns), MetricCanaries.FromTemplate("per-status", "per-status"), CancellationToken.None);

        Assert.Equal(MeasurementStatus.Failed, measurement.Status);
        Assert.StartsWith("query returned 2 series (", measurement.Error, StringComparison.Ordinal);
        Assert.Contains("status=\"200\"", measurement.Error, StringComparison.Ordinal);
        Assert.Contains("sum(", measurement.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Template_RangeVector_FailsAsMultipleValues()
    {
        await _prometheus.PushAsync(HttpTraffic.Pod(_ns, "podinfo-7d9c8b6f5-x2x4z", ok: 10, errors: 0, seconds: 0.05));
        _cluster.AddTemplate(_ns, "range", """http_request_duration_seconds_count{kubernetes_namespace="{{ namespace }}"}[1m]""", _prometheus.Address.ToString());

        var measurement = await _provider.MeasureAsync(MetricCanaries.Podinfo(_ns), MetricCanaries.FromTemplate("range", "range"), CancellationToken.None);

        Assert.Equal(MeasurementStatus.Failed, measurement.Status);
        Assert.Contains("range vector", measurement.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Template_InTemplateNamespace_RendersVariablesAndRecordsTheQuery()
    {
        await _prometheus.PushAsync([HttpTraffic.Counter("app_errors_total", new Dictionary<string, string> { ["namespace"] = _ns, ["app"] = "podinfo" }, 3, DateTimeOffset.UtcNow)]);
        _cluster.AddTemplate("flagger-system", "errors", """
            sum(
              max_over_time(app_errors_total{namespace="{{ namespace }}", app="{{ variables.app }}"}[{{ interval }}])
            )
            """, _prometheus.Address.ToString());
        var metric = MetricCanaries.FromTemplate("errors", "errors", "flagger-system", max: 1, variables: new Dictionary<string, string> { ["app"] = "podinfo" });

        var measurement = await _provider.MeasureAsync(MetricCanaries.Podinfo(_ns), metric, CancellationToken.None);
        var result = MetricEvaluation.Evaluate(MetricCanaries.Podinfo(_ns), metric, measurement);

        Assert.Equal(MeasurementStatus.Value, measurement.Status);
        Assert.Equal(33, measurement.Value); // the counter's last value: 3 per 5 s for 55 s
        Assert.Equal($"sum( max_over_time(app_errors_total{{namespace=\"{_ns}\", app=\"podinfo\"}}[1m]) )", measurement.Query);
        Assert.Equal(CheckVerdict.Failed, result.Verdict);
        Assert.Equal($"Halt podinfo.{_ns} advancement errors 33 > 1", result.Message);
    }

    [Fact]
    public async Task Template_UnknownVariable_FailsNamingIt()
    {
        _cluster.AddTemplate(_ns, "typo", """sum(rate(x{ns="{{ namespcae }}"}[1m]))""", _prometheus.Address.ToString());

        var measurement = await _provider.MeasureAsync(MetricCanaries.Podinfo(_ns), MetricCanaries.FromTemplate("typo", "typo"), CancellationToken.None);

        Assert.Equal(MeasurementStatus.Failed, measurement.Status);
        Assert.Contains("namespcae", measurement.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Template_Missing_FailsNamingIt()
    {
        var measurement = await _provider.MeasureAsync(MetricCanaries.Podinfo(_ns), MetricCanaries.FromTemplate("gone", "gone", "elsewhere"), CancellationToken.None);

        Assert.Equal(MeasurementStatus.Failed, measurement.Status);
        Assert.Equal("MetricTemplate elsewhere/gone not found", measurement.Error);
    }

    [Fact]
    public async Task Template_WithInlineQueryToo_RunsTheTemplate()
    {
        _cluster.AddTemplate(_ns, "two", "vector(2)", _prometheus.Address.ToString());
        var metric = MetricCanaries.FromTemplate("both", "two", max: 5);
        metric.Query = "vector(7)";

        var measurement = await _provider.MeasureAsync(MetricCanaries.Podinfo(_ns), metric, CancellationToken.None);

        Assert.Equal(2, measurement.Value);
        Assert.Equal("vector(2)", measurement.Query);
    }

    [Fact]
    public async Task Template_UnknownProviderType_IsQueriedAsPrometheusWithANote()
    {
        _cluster.AddTemplate(_ns, "odd", "vector(3)", _prometheus.Address.ToString(), type: "victoriametrics");

        var measurement = await _provider.MeasureAsync(MetricCanaries.Podinfo(_ns), MetricCanaries.FromTemplate("odd", "odd", max: 5), CancellationToken.None);

        Assert.Equal(3, measurement.Value);
        Assert.Contains("unknown provider type \"victoriametrics\"", measurement.Provider, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Template_KnownButUnsupportedProviderType_Fails()
    {
        _cluster.AddTemplate(_ns, "dd", "avg:trace.http.request.errors{*}", "https://api.datadoghq.com", type: "datadog");

        var measurement = await _provider.MeasureAsync(MetricCanaries.Podinfo(_ns), MetricCanaries.FromTemplate("dd", "dd"), CancellationToken.None);

        Assert.Equal(MeasurementStatus.Failed, measurement.Status);
        Assert.Contains("\"datadog\"", measurement.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InlineQuery_RunsAgainstTheCanaryMetricsServer()
    {
        await using var services = MetricServices.Build(_cluster, "http://127.0.0.1:1/never-used");
        var canary = MetricCanaries.Podinfo(_ns, metricsServer: _prometheus.Address.ToString());
        var metric = new CanaryMetric { Name = "inline", Query = "vector(0.5)", Threshold = 1 };

        var measurement = await services.Provider().MeasureAsync(canary, metric, CancellationToken.None);

        Assert.Equal(MeasurementStatus.Value, measurement.Status);
        Assert.Equal(0.5, measurement.Value);
        Assert.Equal(CheckVerdict.Passed, MetricEvaluation.Evaluate(canary, metric, measurement).Verdict);
    }

    [Fact]
    public async Task Metric_WithoutTemplateOrQuery_Fails()
    {
        var measurement = await _provider.MeasureAsync(MetricCanaries.Podinfo(_ns), new CanaryMetric { Name = "orphan", Threshold = 1 }, CancellationToken.None);

        Assert.Equal(MeasurementStatus.Failed, measurement.Status);
        Assert.Equal("metric orphan: no usable metrics template and query were configured", measurement.Error);
    }

    [Fact]
    public async Task Availability_OfTheGlobalPrometheus_IsOnline()
    {
        var result = await _provider.CheckAvailabilityAsync(MetricCanaries.Podinfo(_ns), MetricCanaries.SuccessRate(), CancellationToken.None);

        Assert.Equal(CheckKind.Provider, result.Kind);
        Assert.Equal(CheckVerdict.Passed, result.Verdict);
        Assert.Equal($"Prometheus at {_prometheus.Address.ToString().TrimEnd('/')} is online", result.Message);
    }

    [Fact]
    public async Task PrometheusDown_MeasureAndAvailability_FailQuicklyWithAClearMessage()
    {
        var down = $"http://127.0.0.1:{ClosedPort()}";
        var canary = MetricCanaries.Podinfo(_ns, metricsServer: down);
        var clock = Stopwatch.StartNew();

        var measurement = await _provider.MeasureAsync(canary, MetricCanaries.SuccessRate(), CancellationToken.None);
        var measured = clock.Elapsed;
        var availability = await _provider.CheckAvailabilityAsync(canary, MetricCanaries.SuccessRate(), CancellationToken.None);
        var result = MetricEvaluation.Evaluate(canary, MetricCanaries.SuccessRate(), measurement);

        _output.WriteLine($"down: {measured.TotalMilliseconds:0} ms: {measurement.Error}");
        Assert.Equal(MeasurementStatus.Failed, measurement.Status);
        Assert.StartsWith($"Prometheus at {down} is unreachable: ", measurement.Error, StringComparison.Ordinal);
        Assert.Contains("refused", measurement.Error, StringComparison.OrdinalIgnoreCase);
        Assert.True(measured < TimeSpan.FromSeconds(4), $"took {measured}: a refused connection must not wait for the 5 s timeout");
        Assert.Equal(CheckVerdict.Failed, result.Verdict);
        Assert.StartsWith("Metric query failed for request-success-rate: Prometheus at", result.Message, StringComparison.Ordinal);
        Assert.Equal(CheckVerdict.Failed, availability.Verdict);
        Assert.StartsWith("Error checking metric providers: Prometheus at", availability.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnalysisStep_TwoMetricsThroughTheCheckRunner_BothEvaluatedAndPassing()
    {
        await _prometheus.PushAsync(HttpTraffic.Pod(_ns, "podinfo-7d9c8b6f5-x2x4z", ok: 100, errors: 0, seconds: 0.2));
        var canary = MetricCanaries.Podinfo(_ns);
        var runner = new CheckRunner(new NoWebhooks(), _provider);
        var plan = new CheckPlan([new CheckStage(CheckStageKind.Analysis, CanaryPhase.Progressing, [], [MetricCanaries.SuccessRate(), MetricCanaries.Duration()])]);

        var report = await runner.RunAsync(canary, plan, CancellationToken.None);

        var stage = report.Stages.Single();
        Assert.True(stage.Passed, string.Join("; ", stage.Results.Select(r => r.Message)));
        Assert.Equal([CanaryMetric.RequestSuccessRate, CanaryMetric.RequestDuration], stage.Results.Select(r => r.Name));
        Assert.All(stage.Results, r => Assert.NotNull(r.Value));
    }

    private async Task<CheckResult> MeasureAndEvaluateAsync(Canary canary, CanaryMetric metric)
    {
        var measurement = await _provider.MeasureAsync(canary, metric, CancellationToken.None);
        Assert.True(measurement.Status == MeasurementStatus.Value, $"{measurement.Status}: {measurement.Error} ({measurement.Query})");
        return MetricEvaluation.Evaluate(canary, metric, measurement);
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class NoWebhooks : IWebhookClient
    {
        public Task<WebhookResult> CallAsync(CanaryWebhook webhook, WebhookPayload payload, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("no webhooks in this plan");
    }
}
