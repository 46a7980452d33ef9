using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Infrastructure.Tests.Support;
using Flagger.Testing.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Flagger.Infrastructure.Tests.Webhooks;

/// <summary>A local HTTPS Kestrel with a fresh self-signed certificate that no trust store knows.</summary>
public sealed class WebhookTlsTests : IAsyncLifetime
{
    private static readonly WebhookPayload s_payload = new("podinfo", "test", "Progressing", "abc123", null);

    private HttpReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await HttpReceiver.StartAsync(https: true);

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task CallAsync_SelfSignedCertificateAndDisableTls_Succeeds()
    {
        var result = await CallAsync(new CanaryWebhook { Name = "tls", Url = _receiver.Url("/hook").ToString(), DisableTls = true });

        Assert.True(result.Succeeded, result.Message);
        Assert.Single(_receiver.RequestsTo("/hook"));
    }

    [Fact]
    public async Task CallAsync_SelfSignedCertificateWithVerification_FailsWithoutRetryingAndSaysWhy()
    {
        var result = await CallAsync(new CanaryWebhook { Name = "tls", Url = _receiver.Url("/hook").ToString(), Retries = 2 });

        Assert.False(result.Succeeded);
        Assert.Contains("giving up after 1 attempt(s): TLS handshake failed (set disableTLS to skip certificate verification)", result.Message, StringComparison.Ordinal);
        Assert.Empty(_receiver.RequestsTo("/hook"));
    }

    private static async Task<WebhookResult> CallAsync(CanaryWebhook hook)
    {
        await using var services = TestServices.Build();
        return await services.GetRequiredService<IWebhookClient>().CallAsync(hook, s_payload, CancellationToken.None);
    }
}
