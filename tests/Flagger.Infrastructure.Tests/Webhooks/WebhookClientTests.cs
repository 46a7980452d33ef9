using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Infrastructure.Tests.Support;
using Flagger.Testing.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Flagger.Infrastructure.Tests.Webhooks;

public sealed class WebhookClientTests(ReceiverFixture fixture) : IClassFixture<ReceiverFixture>
{
    private static readonly WebhookPayload s_payload = new("podinfo", "test", "Progressing", "abc123", null);

    private readonly HttpReceiver _receiver = fixture.Receiver;

    [Fact]
    public async Task CallAsync_Payload_IsPostedAsJsonWithoutMetadataWhenEmpty()
    {
        var result = await CallAsync(Hook("/shape"), s_payload);

        Assert.True(result.Succeeded, result.Message);
        var request = Assert.Single(_receiver.RequestsTo("/shape"));
        Assert.Equal("POST", request.Method);
        Assert.StartsWith("application/json", request.Headers["Content-Type"], StringComparison.Ordinal);
        using var json = JsonDocument.Parse(request.Body);
        Assert.Equal(["name", "namespace", "phase", "checksum"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("podinfo", json.RootElement.GetProperty("name").GetString());
        Assert.Equal("test", json.RootElement.GetProperty("namespace").GetString());
        Assert.Equal("Progressing", json.RootElement.GetProperty("phase").GetString());
        Assert.Equal("abc123", json.RootElement.GetProperty("checksum").GetString());
    }

    [Fact]
    public async Task CallAsync_PayloadWithMetadata_CarriesMetadataObject()
    {
        var payload = s_payload with { Metadata = new Dictionary<string, string> { ["cmd"] = "hey -z 1m http://podinfo-canary" } };

        await CallAsync(Hook("/with-metadata"), payload);

        using var json = JsonDocument.Parse(Assert.Single(_receiver.RequestsTo("/with-metadata")).Body);
        Assert.Equal("hey -z 1m http://podinfo-canary", json.RootElement.GetProperty("metadata").GetProperty("cmd").GetString());
    }

    [Theory]
    [InlineData(200)]
    [InlineData(202)]
    [InlineData(203)]
    [InlineData(204)]
    [InlineData(299)]
    public async Task CallAsync_Any2xx_Succeeds(int status)
    {
        _receiver.Answer($"/ok-{status}", new ReceiverAnswer(status));

        var result = await CallAsync(Hook($"/ok-{status}"), s_payload);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(status, result.StatusCode);
    }

    [Fact]
    public async Task CallAsync_4xx_FailsWithStatusAndBodyInMessage()
    {
        _receiver.Answer("/denied", new ReceiverAnswer(403, "denied by policy"));

        var result = await CallAsync(Hook("/denied"), s_payload);

        Assert.False(result.Succeeded);
        Assert.Equal(403, result.StatusCode);
        Assert.Equal($"POST {_receiver.Url("/denied")} giving up after 1 attempt(s): 403 Forbidden: denied by policy", result.Message);
    }

    [Fact]
    public async Task CallAsync_LongFailureBody_IsTruncated()
    {
        _receiver.Answer("/long", new ReceiverAnswer(400, new string('x', 5000)));

        var result = await CallAsync(Hook("/long"), s_payload);

        Assert.False(result.Succeeded);
        Assert.Contains(new string('x', 256) + "…", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('x', 257), result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallAsync_NoRetriesAnd500_FailsAfterOneAttempt()
    {
        _receiver.Answer("/flaky-no-retry", new ReceiverAnswer(500, "boom"), ReceiverAnswer.Ok());

        var result = await CallAsync(Hook("/flaky-no-retry"), s_payload);

        Assert.False(result.Succeeded);
        Assert.Contains("giving up after 1 attempt(s): 500 Internal Server Error: boom", result.Message, StringComparison.Ordinal);
        Assert.Single(_receiver.RequestsTo("/flaky-no-retry"));
    }

    [Fact]
    public async Task CallAsync_OneRetryAnd500ThenOk_Recovers()
    {
        _receiver.Answer("/flaky", new ReceiverAnswer(500, "boom"), ReceiverAnswer.Ok());

        var result = await CallAsync(Hook("/flaky", retries: 1), s_payload);

        Assert.True(result.Succeeded, result.Message);
        Assert.Equal(2, _receiver.RequestsTo("/flaky").Count);
    }

    [Fact]
    public async Task CallAsync_RetriesExhausted_ReportsEveryAttempt()
    {
        _receiver.Answer("/down", new ReceiverAnswer(503, "unavailable"));

        var result = await CallAsync(Hook("/down", retries: 2), s_payload);

        Assert.False(result.Succeeded);
        Assert.Contains("giving up after 3 attempt(s): 503 Service Unavailable: unavailable", result.Message, StringComparison.Ordinal);
        Assert.Equal(3, _receiver.RequestsTo("/down").Count);
    }

    [Fact]
    public async Task CallAsync_Retries_BackOffExponentially()
    {
        _receiver.Answer("/backoff", new ReceiverAnswer(502));

        await CallAsync(Hook("/backoff", retries: 2), s_payload, o => o.RetryBaseDelay = TimeSpan.FromMilliseconds(150));

        var times = _receiver.RequestsTo("/backoff").Select(r => r.ReceivedAt).ToList();
        Assert.Equal(3, times.Count);
        // Lower bounds only: the waits are at least base and twice base. Comparing the two waits with each other
        // failed in CI when a loaded machine stretched the first one.
        Assert.InRange((times[1] - times[0]).TotalMilliseconds, 140, 5000);
        Assert.InRange((times[2] - times[1]).TotalMilliseconds, 290, 5000);
    }

    [Fact]
    public async Task CallAsync_429WithRetryAfter_WaitsAsAsked()
    {
        var retryAfter = new Dictionary<string, string> { ["Retry-After"] = "1" };
        _receiver.Answer("/throttled", new ReceiverAnswer(429, "slow down", Headers: retryAfter), ReceiverAnswer.Ok());

        var result = await CallAsync(Hook("/throttled", retries: 1), s_payload);

        Assert.True(result.Succeeded, result.Message);
        var times = _receiver.RequestsTo("/throttled").Select(r => r.ReceivedAt).ToList();
        Assert.Equal(2, times.Count);
        // The base delay is 20 ms here: only Retry-After explains a second's wait.
        Assert.True(times[1] - times[0] >= TimeSpan.FromMilliseconds(950), $"retried after {(times[1] - times[0]).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task CallAsync_501_IsNotRetried()
    {
        _receiver.Answer("/not-implemented", new ReceiverAnswer(501, "no"), ReceiverAnswer.Ok());

        var result = await CallAsync(Hook("/not-implemented", retries: 3), s_payload);

        Assert.False(result.Succeeded);
        Assert.Equal(501, result.StatusCode);
        Assert.Single(_receiver.RequestsTo("/not-implemented"));
    }

    [Fact]
    public async Task CallAsync_4xx_IsNotRetried()
    {
        _receiver.Answer("/bad-request", new ReceiverAnswer(400, "bad"), ReceiverAnswer.Ok());

        var result = await CallAsync(Hook("/bad-request", retries: 3), s_payload);

        Assert.False(result.Succeeded);
        Assert.Single(_receiver.RequestsTo("/bad-request"));
    }

    [Fact]
    public async Task CallAsync_SlowReceiver_TimesOutPerAttempt()
    {
        _receiver.Answer("/slow", new ReceiverAnswer(200, Delay: TimeSpan.FromSeconds(5)));
        var stopwatch = Stopwatch.StartNew();

        var result = await CallAsync(Hook("/slow", timeout: "300ms", retries: 1), s_payload);

        stopwatch.Stop();
        Assert.False(result.Succeeded);
        Assert.Contains("giving up after 2 attempt(s): timed out after 0.3s", result.Message, StringComparison.Ordinal);
        Assert.Equal(2, _receiver.RequestsTo("/slow").Count);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(4.5), $"took {stopwatch.Elapsed}: the 5 s answer was waited for");
    }

    [Fact]
    public async Task CallAsync_SlowFirstAttempt_RecoversOnRetry()
    {
        _receiver.Answer("/slow-once", new ReceiverAnswer(200, Delay: TimeSpan.FromSeconds(5)), ReceiverAnswer.Ok());

        var result = await CallAsync(Hook("/slow-once", timeout: "300ms", retries: 1), s_payload);

        Assert.True(result.Succeeded, result.Message);
    }

    [Fact]
    public async Task CallAsync_ClosedPort_FailsWithConnectionMessage()
    {
        var port = HttpReceiver.UnusedPort();

        var result = await CallAsync(new CanaryWebhook { Name = "closed", Url = $"http://127.0.0.1:{port}/hook", Retries = 1 }, s_payload);

        Assert.False(result.Succeeded);
        Assert.Null(result.StatusCode);
        Assert.StartsWith($"POST http://127.0.0.1:{port}/hook giving up after 2 attempt(s): connection failed: Connection refused", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallAsync_UrlWithSecrets_KeepsThemOutOfMessagesAndLogs()
    {
        const string Token = "s3cr3t-t0ken-value";
        const string Password = "hunter2-password";
        _receiver.Answer("/secret", new ReceiverAnswer(401, $"bad token {Token} for user admin:{Password}"));
        var url = new UriBuilder(_receiver.Url("/secret")) { UserName = "admin", Password = Password, Query = $"token={Token}" }.Uri;
        using var services = TestServices.Build();

        var result = await services.GetRequiredService<IWebhookClient>()
            .CallAsync(new CanaryWebhook { Name = "secret", Url = url.ToString() }, s_payload, CancellationToken.None);

        Assert.False(result.Succeeded);
        var request = Assert.Single(_receiver.RequestsTo("/secret"));
        Assert.Equal($"?token={Token}", request.Query);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{Password}")), request.Headers["Authorization"]);
        Assert.DoesNotContain(Token, result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, result.Message, StringComparison.Ordinal);
        Assert.Contains("401", result.Message, StringComparison.Ordinal);
        var logs = services.Logger<Infrastructure.Webhooks.WebhookClient>().Entries;
        Assert.NotEmpty(logs);
        Assert.All(logs, e => Assert.DoesNotContain(Token, e.Message, StringComparison.Ordinal));
        Assert.All(logs, e => Assert.DoesNotContain(Password, e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CallAsync_FailureBodyEchoingOtherUrlsAndTokens_IsScrubbedInTheMessage()
    {
        _receiver.Answer("/echo", new ReceiverAnswer(400,
            """{"error":"callback https://ci.example.com/job/7/notify?sig=cb-signature-123 rejected","access_token":"at-987654321","auth":"Bearer eyJhbGciOi.payload.sig"}"""));

        var result = await CallAsync(new CanaryWebhook { Name = "echo", Url = _receiver.Url("/echo").ToString() }, s_payload);

        Assert.False(result.Succeeded);
        Assert.Contains("https://ci.example.com/***", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("cb-signature-123", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("/job/7/notify", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("at-987654321", result.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJhbGciOi", result.Message, StringComparison.Ordinal);
        Assert.Contains("rejected", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallAsync_UnreachableUrlWithSecrets_KeepsThemOutOfMessage()
    {
        const string Token = "another-s3cret-token";
        var port = HttpReceiver.UnusedPort();

        var result = await CallAsync(new CanaryWebhook { Name = "closed", Url = $"http://user:{Token}@127.0.0.1:{port}/hook?key={Token}" }, s_payload);

        Assert.False(result.Succeeded);
        Assert.DoesNotContain(Token, result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallAsync_InvalidUrl_FailsWithoutCalling()
    {
        var result = await CallAsync(new CanaryWebhook { Name = "bad", Url = "not a url" }, s_payload);

        Assert.False(result.Succeeded);
        Assert.Contains("invalid webhook URL", result.Message, StringComparison.Ordinal);
    }

    private Task<WebhookResult> CallAsync(CanaryWebhook hook, WebhookPayload payload, Action<Infrastructure.Webhooks.WebhookOptions>? options = null)
    {
        var services = TestServices.Build(options);
        return CallAndDisposeAsync(services, hook, payload);
    }

    private static async Task<WebhookResult> CallAndDisposeAsync(ServiceProvider services, CanaryWebhook hook, WebhookPayload payload)
    {
        await using (services)
        {
            return await services.GetRequiredService<IWebhookClient>().CallAsync(hook, payload, CancellationToken.None);
        }
    }

    private CanaryWebhook Hook(string path, int? retries = null, string? timeout = null) =>
        new() { Name = path.Trim('/'), Url = _receiver.Url(path).ToString(), Retries = retries, Timeout = timeout };
}
