using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Flagger.Sandbox.Prometheus;

/// <summary>
/// A tiny Kestrel <c>/metrics</c> endpoint for live scraping, exporting a prometheus-net registry with
/// the application histogram Flagger's builtins read (<c>http_request_duration_seconds</c>).
/// </summary>
public sealed class ScrapeTarget : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ScrapeTarget(WebApplication app, CollectorRegistry registry, Histogram requests, Uri address)
    {
        _app = app;
        Registry = registry;
        Requests = requests;
        Address = address;
    }

    public CollectorRegistry Registry { get; }

    /// <summary>Labels: <c>kubernetes_namespace</c>, <c>kubernetes_pod_name</c>, <c>status</c>.</summary>
    public Histogram Requests { get; }

    public Uri Address { get; }

    public static async Task<ScrapeTarget> StartAsync()
    {
        var registry = Metrics.NewCustomRegistry();
        var requests = Metrics.WithCustomRegistry(registry).CreateHistogram(
            "http_request_duration_seconds", "Request durations of the simulated application pods.",
            new HistogramConfiguration
            {
                LabelNames = ["kubernetes_namespace", "kubernetes_pod_name", "status"],
                Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
            });

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/metrics", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
        });
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        return new ScrapeTarget(app, registry, requests, address);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
