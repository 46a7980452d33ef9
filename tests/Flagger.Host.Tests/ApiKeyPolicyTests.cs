using Microsoft.Extensions.Configuration;

namespace Flagger.Host.Tests;

public sealed class ApiKeyPolicyTests
{
    [Theory]
    [InlineData("secret", "secret", true)]
    [InlineData("Secret", "secret", false)]
    [InlineData("secre", "secret", false)]
    [InlineData("secret ", "secret", false)]
    [InlineData("", "secret", false)]
    [InlineData(null, "secret", false)]
    [InlineData("clé-ü", "clé-ü", true)]
    public void Matches_ComparesTheUtf8Bytes(string? given, string expected, bool matches) =>
        Assert.Equal(matches, ApiKeyPolicy.Matches(given, expected));

    [Theory]
    [InlineData("http://localhost:5000", true)]
    [InlineData("http://127.0.0.1:0", true)]
    [InlineData("http://127.1.2.3:80", true)]
    [InlineData("https://[::1]:5001", true)]
    [InlineData("http://0.0.0.0:8080", false)]
    [InlineData("http://*:8080", false)]
    [InlineData("http://+:8080", false)]
    [InlineData("http://[::]:8080", false)]
    [InlineData("http://10.0.0.4:8080", false)]
    [InlineData("http://flagger.example.com", false)]
    public void IsLoopback_OnlyLoopbackAddresses(string url, bool loopback) =>
        Assert.Equal(loopback, ApiKeyPolicy.IsLoopback(url));

    [Theory]
    [InlineData("urls", "http://0.0.0.0:8080")]
    [InlineData("urls", "http://127.0.0.1:5000;http://*:8080")]
    [InlineData("http_ports", "8080")]
    [InlineData("Kestrel:Endpoints:Http:Url", "http://0.0.0.0:80")]
    public void EnsureKeyOrLoopback_NoKeyAndNotLoopback_RefusesNamingTheSetting(string key, string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => ApiKeyPolicy.EnsureKeyOrLoopback(Configuration((key, value))));

        Assert.Contains("Host:ApiKey", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnsureKeyOrLoopback_NoKeyOnLoopbackOrTheDefault_Starts()
    {
        ApiKeyPolicy.EnsureKeyOrLoopback(Configuration());
        ApiKeyPolicy.EnsureKeyOrLoopback(Configuration(("urls", "http://127.0.0.1:0;http://localhost:5001")));
    }

    [Fact]
    public void EnsureKeyOrLoopback_WithKey_StartsOnAnyAddress() =>
        ApiKeyPolicy.EnsureKeyOrLoopback(Configuration(("urls", "http://0.0.0.0:8080"), ("Host:ApiKey", "secret")));

    [Fact]
    public async Task BuildAsync_NoKeyOnAllInterfaces_ThrowsBeforeStartingAnything()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => FlaggerHost.BuildAsync(["--urls", "http://0.0.0.0:0"]));

        Assert.Contains("Host:ApiKey", error.Message, StringComparison.Ordinal);
        Assert.Contains("0.0.0.0", error.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
}
