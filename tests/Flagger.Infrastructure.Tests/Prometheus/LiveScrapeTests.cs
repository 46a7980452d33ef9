using System.Diagnostics;
using Flagger.Core.Analysis;
using Flagger.Core.Ports;
using Flagger.Sandbox.Prometheus;
using Xunit.Abstractions;

namespace Flagger.Infrastructure.Tests.Prometheus;

/// <summary>The builtins against metrics Prometheus scrapes itself from a live endpoint (1 s scrape interval).</summary>
[Collection(PrometheusCollection.Name)]
public sealed class LiveScrapeTests(PrometheusFixture fixture, ITestOutputHelper output)
{
    private readonly PrometheusServer _prometheus = fixture.Server;

    [Fact]
    public async Task Builtins_ScrapedApplicationMetrics_PassOnceScraped()
    {
        var ns = MetricCanaries.UniqueNamespace();
        var cluster = new InMemoryClusterResources();
        await using var services = MetricServices.Build(cluster, _prometheus.Address.ToString());
        IMetricProvider provider = services.Provider();
        var canary = MetricCanaries.Podinfo(ns);
        var requests = _prometheus.ScrapeTarget.Requests.WithLabels(ns, "podinfo-6d8b9c7f4-k2m9p", "200");
        using var traffic = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var serving = Task.Run(async () =>
        {
            while (!traffic.IsCancellationRequested)
            {
                requests.Observe(0.03);
                await Task.Delay(50, CancellationToken.None);
            }
        }, CancellationToken.None);

        var clock = Stopwatch.StartNew();
        MetricMeasurement successRate;
        do
        {
            await Task.Delay(500);
            successRate = await provider.MeasureAsync(canary, MetricCanaries.SuccessRate(), CancellationToken.None);
        }
        while (successRate.Status == MeasurementStatus.NoValues && clock.Elapsed < TimeSpan.FromSeconds(30));

        var duration = await provider.MeasureAsync(canary, MetricCanaries.Duration(), CancellationToken.None);
        await traffic.CancelAsync();
        await serving;
        output.WriteLine($"first rate() value after {clock.Elapsed.TotalSeconds:0.0} s");

        Assert.True(successRate.Status == MeasurementStatus.Value, $"{successRate.Status} {successRate.Error} after {clock.Elapsed}");
        Assert.Equal(100, successRate.Value, precision: 6);
        // Every request in the (25 ms, 50 ms] bucket: 25 + 25 * 0.99 = 49.75 ms, truncated.
        Assert.Equal(49, duration.Value);
    }
}
