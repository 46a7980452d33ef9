using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flagger.Testing.Prometheus;

/// <summary>A request as the stub saw it.</summary>
public sealed record RecordedRequest(string Method, string Path, string? Query, IReadOnlyDictionary<string, string[]> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var values) ? string.Join(",", values) : null;
}

/// <summary>
/// A local Kestrel server that speaks just enough of the Prometheus HTTP API to see what a client sends:
/// it records every request and answers what the test says (by default <c>vector(1)</c>'s answer).
/// Can serve HTTPS with a self-signed certificate.
/// </summary>
public sealed class PrometheusApiStub : IAsyncDisposable
{
    public const string OneSeriesOfOne =
        """{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000.123,"1"]}]}}""";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    private PrometheusApiStub(WebApplication app) => _app = app;

    public Uri Address { get; private set; } = null!;

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>The answer to the next requests: status code and JSON body.</summary>
    public Func<RecordedRequest, (int Status, string Body)> Respond { get; set; } = _ => (200, OneSeriesOfOne);

    /// <summary>Delay before answering (to test timeouts).</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.Zero;

    public static async Task<PrometheusApiStub> StartAsync(bool https = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (https)
            {
                listen.UseHttps(SelfSignedCertificate());
            }
        }));
        var app = builder.Build();
        var stub = new PrometheusApiStub(app);
        app.Run(async context =>
        {
            var recorded = new RecordedRequest(
                context.Request.Method,
                context.Request.Path.Value ?? "",
                context.Request.QueryString.HasValue ? context.Request.Query["query"].ToString() : null,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.Select(v => v ?? "").ToArray(), StringComparer.OrdinalIgnoreCase));
            stub._requests.Enqueue(recorded);
            if (stub.Delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(stub.Delay, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            var (status, body) = stub.Respond(recorded);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(body, context.RequestAborted);
        });
        await app.StartAsync();
        stub.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        return stub;
    }

    public void Clear() => _requests.Clear();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private static X509Certificate2 SelfSignedCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }
}
