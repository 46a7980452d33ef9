using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Logging;
using Microsoft.Extensions.Logging;

namespace Flagger.Infrastructure.Http;

/// <summary>
/// Replaces HttpClientFactory's default request loggers (<c>System.Net.Http.HttpClient.*</c>, which log the
/// full URI) on the webhook and alert clients: their URLs carry secrets in the path (Slack, Discord) or the
/// query (tokens, function keys), so only the scheme and host are logged. The same clients mark each request
/// (<see cref="HostOnlyKey"/>) so that tracing records no more of its URL either.
/// </summary>
public sealed partial class HostOnlyHttpClientLogger(ILogger<HostOnlyHttpClientLogger> logger) : IHttpClientLogger
{
    /// <summary>Set on the requests of these clients: their URL may be recorded (logs, spans) by scheme and host only.</summary>
    public static readonly HttpRequestOptionsKey<bool> HostOnlyKey = new("Flagger.HostOnlyUrl");

    /// <summary><c>RemoveAllLoggers().AddLogger&lt;HostOnlyHttpClientLogger&gt;()</c> on a named client, and the <see cref="HostOnlyKey"/> mark.</summary>
    public static IHttpClientBuilder Apply(IHttpClientBuilder builder)
    {
        builder.Services.TryAddSingleton<HostOnlyHttpClientLogger>();
        return builder.RemoveAllLoggers().AddLogger<HostOnlyHttpClientLogger>().AddHttpMessageHandler(() => new HostOnlyMark());
    }

    /// <summary>True when the request came through one of these clients.</summary>
    public static bool IsHostOnly(HttpRequestMessage request) => request.Options.TryGetValue(HostOnlyKey, out var hostOnly) && hostOnly;

    private sealed class HostOnlyMark : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Options.Set(HostOnlyKey, true);
            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>The part of a URL that may be logged: scheme, host and port.</summary>
    public static string Where(Uri? url) => url is { IsAbsoluteUri: true }
        ? url.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped)
        : "(relative URL)";

    public object? LogRequestStart(HttpRequestMessage request) => Stopwatch.GetTimestamp();

    public void LogRequestStop(object? context, HttpRequestMessage request, HttpResponseMessage response, TimeSpan elapsed) =>
        RequestEnded(logger, request.Method.Method, Where(request.RequestUri), (int)response.StatusCode, elapsed.TotalMilliseconds);

    public void LogRequestFailed(object? context, HttpRequestMessage request, HttpResponseMessage? response, Exception exception, TimeSpan elapsed) =>
        RequestFailed(logger, request.Method.Method, Where(request.RequestUri), exception.GetType().Name, elapsed.TotalMilliseconds);

    [LoggerMessage(EventId = 4300, Level = LogLevel.Debug, Message = "HTTP {Method} {Host} answered {StatusCode} in {ElapsedMilliseconds:0.0} ms")]
    private static partial void RequestEnded(ILogger logger, string method, string host, int statusCode, double elapsedMilliseconds);

    [LoggerMessage(EventId = 4301, Level = LogLevel.Debug, Message = "HTTP {Method} {Host} failed after {ElapsedMilliseconds:0.0} ms: {ErrorType}")]
    private static partial void RequestFailed(ILogger logger, string method, string host, string errorType, double elapsedMilliseconds);
}
