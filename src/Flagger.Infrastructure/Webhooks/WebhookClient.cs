using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Core.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Flagger.Infrastructure.Webhooks;

/// <summary>
/// Posts Flagger's webhook payload (spec §6.2, §6.3): per-attempt timeout, <c>retries</c> extra attempts with
/// exponential backoff on connection errors, timeouts, 429 and 5xx except 501, honouring <c>Retry-After</c>.
/// Any 2xx is success (DESIGN §3). Failures come back as results whose message holds no URL secrets.
/// </summary>
public sealed class WebhookClient(
    IHttpClientFactory clients,
    IOptions<WebhookOptions> options,
    TimeProvider time,
    ILogger<WebhookClient> logger) : IWebhookClient
{
    /// <summary>Named client for ordinary hooks.</summary>
    public const string HttpClientName = "flagger-webhooks";

    /// <summary>Named client for hooks with <c>disableTLS: true</c>: certificates are not verified.</summary>
    public const string InsecureHttpClientName = "flagger-webhooks-insecure";

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);
    private static readonly MediaTypeHeaderValue s_jsonContentType = new("application/json");

    private readonly ConcurrentDictionary<(int Retries, TimeSpan Timeout), ResiliencePipeline<HttpResponseMessage>> _pipelines = new();
    private readonly WebhookOptions _options = options.Value;

    /// <summary>Each call counted and timed in <see cref="FlaggerTelemetry.WebhookRequests"/> and <see cref="FlaggerTelemetry.WebhookDuration"/>, by hook name and outcome.</summary>
    public async Task<WebhookResult> CallAsync(CanaryWebhook webhook, WebhookPayload payload, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var outcome = "error";
        try
        {
            var result = await SendAsync(webhook, payload, cancellationToken);
            outcome = result.Succeeded ? "succeeded" : "failed";
            return result;
        }
        finally
        {
            var tags = new TagList { { FlaggerTelemetry.WebhookAttribute, webhook.Name }, { FlaggerTelemetry.OutcomeAttribute, outcome } };
            FlaggerTelemetry.WebhookRequests.Add(1, tags);
            FlaggerTelemetry.WebhookDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
        }
    }

    private async Task<WebhookResult> SendAsync(CanaryWebhook webhook, WebhookPayload payload, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(webhook.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            return WebhookResult.Failure($"invalid webhook URL {WebhookUrl.RedactRaw(webhook.Url)}: an absolute http or https URL is required");
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(payload, s_json);
        var (target, authorization) = SplitUserInfo(url);
        var client = clients.CreateClient(webhook.DisableTls ? InsecureHttpClientName : HttpClientName);
        var retries = Math.Max(0, webhook.Retries ?? 0);
        var timeout = webhook.EffectiveTimeout;
        var pipeline = _pipelines.GetOrAdd((retries, timeout), key => BuildPipeline(key.Retries, key.Timeout));
        var attempts = 0;

        try
        {
            using var response = await pipeline.ExecuteAsync(
                async token =>
                {
                    attempts++;
                    using var request = new HttpRequestMessage(HttpMethod.Post, target)
                    {
                        Content = new ByteArrayContent(body) { Headers = { ContentType = s_jsonContentType } },
                    };
                    request.Headers.Authorization = authorization;
                    return await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, token);
                },
                cancellationToken);

            var status = (int)response.StatusCode;
            if (status is >= 200 and <= 299)
            {
                return WebhookResult.Success(status);
            }

            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var message = GivingUp(url, attempts, $"{status} {response.ReasonPhrase}".TrimEnd() + Detail(text, url));
            Logs.WebhookFailed(logger, webhook.Name, WebhookUrl.Redact(url), payload.Namespace, payload.Name, status, attempts);
            return WebhookResult.Failure(message, status);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = exception switch
            {
                TimeoutRejectedException => $"timed out after {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s",
                HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } http =>
                    $"connection failed: {http.Message}",
                HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } http =>
                    $"TLS handshake failed (set disableTLS to skip certificate verification): {http.InnerException?.Message ?? http.Message}",
                _ => exception.Message,
            };
            Logs.WebhookUnreachable(logger, webhook.Name, WebhookUrl.Redact(url), payload.Namespace, payload.Name, attempts, exception.GetType().Name);
            return WebhookResult.Failure(GivingUp(url, attempts, SecretText.Scrub(WebhookUrl.Scrub(reason, url))));
        }
    }

    /// <summary>Go's client turns URL userinfo into basic auth; HttpClient would drop it, so do as Go does.</summary>
    private static (Uri Target, AuthenticationHeaderValue? Authorization) SplitUserInfo(Uri url)
    {
        if (url.UserInfo.Length == 0)
        {
            return (url, null);
        }

        var credentials = Encoding.UTF8.GetBytes(Uri.UnescapeDataString(url.UserInfo));
        var target = new UriBuilder(url) { UserName = "", Password = "" }.Uri;
        return (target, new AuthenticationHeaderValue("Basic", Convert.ToBase64String(credentials)));
    }

    private static string GivingUp(Uri url, int attempts, string reason) =>
        $"POST {WebhookUrl.Redact(url)} giving up after {attempts} attempt(s): {reason}";

    private string Detail(string body, Uri url)
    {
        var text = SecretText.Scrub(WebhookUrl.Scrub(body.Trim(), url));
        if (text.Length == 0)
        {
            return "";
        }

        var max = _options.MaxFailureBodyLength;
        return ": " + (text.Length > max ? string.Concat(text.AsSpan(0, max), "…") : text);
    }

    private ResiliencePipeline<HttpResponseMessage> BuildPipeline(int retries, TimeSpan timeout)
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time };
        if (retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = retries,
                ShouldHandle = args => ValueTask.FromResult(IsRetriable(args.Outcome)),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(RetryDelay(args.AttemptNumber, args.Outcome.Result)),
            });
        }

        return builder.AddTimeout(timeout).Build();
    }

    /// <summary>retryablehttp's policy: connection errors and timeouts, 429, and 5xx except 501; never TLS failures.</summary>
    internal static bool IsRetriable(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } } => false,
        { Exception: HttpRequestException or TimeoutRejectedException } => true,
        { Result: { } response } => response.StatusCode is HttpStatusCode.TooManyRequests
            || ((int)response.StatusCode >= 500 && response.StatusCode != HttpStatusCode.NotImplemented),
        _ => false,
    };

    /// <summary>Exponential from the base delay, or the receiver's <c>Retry-After</c> on 429 and 503; both capped.</summary>
    internal TimeSpan RetryDelay(int retryIndex, HttpResponseMessage? response)
    {
        var max = _options.RetryMaxDelay;
        if (response is { StatusCode: HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable, Headers.RetryAfter: { } retryAfter })
        {
            var asked = retryAfter.Delta ?? (retryAfter.Date - time.GetUtcNow()) ?? TimeSpan.Zero;
            return asked <= TimeSpan.Zero ? TimeSpan.Zero : asked > max ? max : asked;
        }

        var delay = _options.RetryBaseDelay * Math.Pow(2, Math.Min(retryIndex, 30));
        return delay > max ? max : delay;
    }
}
