using Azure.Core;
using Flagger.Infrastructure.Kubernetes;
using Flagger.Sandbox.Kubernetes;
using k8s;
using Microsoft.Extensions.Time.Testing;

namespace Flagger.Infrastructure.Tests.Kubernetes;

public sealed class EntraTokenProviderTests
{
    private sealed class CountingCredential(TimeProvider time) : TokenCredential
    {
        public int Calls { get; private set; }

        public List<string[]> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Calls++;
            Scopes.Add(requestContext.Scopes);
            return ValueTask.FromResult(new AccessToken($"token-{Calls}", time.GetUtcNow().AddHours(1)));
        }
    }

    [Fact]
    public async Task GetAuthenticationHeader_ReusesTheTokenUntilFiveMinutesBeforeExpiry()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-26T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var credential = new CountingCredential(time);
        var provider = new EntraTokenProvider(credential, time);

        var first = await provider.GetAuthenticationHeaderAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(54));
        var second = await provider.GetAuthenticationHeaderAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(2));
        var third = await provider.GetAuthenticationHeaderAsync(CancellationToken.None);

        Assert.Equal(("Bearer", "token-1"), (first.Scheme, first.Parameter));
        Assert.Equal("token-1", second.Parameter);
        Assert.Equal("token-2", third.Parameter);
        Assert.All(credential.Scopes, s => Assert.Equal([EntraTokenProvider.AksScope], s));
    }

    [Fact]
    public async Task KubernetesClient_WithTheProvider_SendsTheEntraTokenToTheApiServer()
    {
        await using var server = await FakeKubernetesApiServer.StartAsync(new FakeApiServerOptions { Token = "token-1" });
        var configuration = new KubernetesClientConfiguration
        {
            Host = server.BaseAddress.ToString(),
            SslCaCerts = [server.CertificateAuthority],
            TokenProvider = new EntraTokenProvider(new CountingCredential(TimeProvider.System), TimeProvider.System),
        };
        using var client = new k8s.Kubernetes(configuration);

        var namespaces = await client.CoreV1.ListNamespacedConfigMapAsync("default");

        Assert.NotNull(namespaces);
        Assert.Contains(server.Requests.All, r => r.Path == "/api/v1/namespaces/default/configmaps" && r.StatusCode == 200);
    }
}
