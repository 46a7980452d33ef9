using System.Diagnostics;
using System.Text;
using Azure.Core;
using Flagger.Core.Analysis;
using Flagger.Infrastructure.Prometheus;
using Flagger.Testing.Prometheus;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;

namespace Flagger.Infrastructure.Tests.Prometheus;

/// <summary>What the client sends (auth, headers, path, TLS, tokens) and how it reads answers, against a local Kestrel stub.</summary>
public sealed class PrometheusClientTests : IAsyncLifetime
{
    private readonly InMemoryClusterResources _cluster = new();
    private PrometheusApiStub _stub = null!;

    public async Task InitializeAsync() => _stub = await PrometheusApiStub.StartAsync();

    public async Task DisposeAsync() => await _stub.DisposeAsync();

    [Fact]
    public async Task Template_BearerSecret_SendsTokenFromTheTemplateNamespace()
    {
        _cluster.AddSecret("apps", "prom-auth", new Dictionary<string, string> { ["token"] = "wrong-namespace" });
        _cluster.AddSecret("monitoring", "prom-auth", new Dictionary<string, string> { ["token"] = "s3cr3t-token" });
        _cluster.AddTemplate("monitoring", "tpl", "vector(1)", _stub.Address.ToString(), secretName: "prom-auth");

        var measurement = await MeasureTemplateAsync("apps", templateNamespace: "monitoring");

        Assert.Equal(MeasurementStatus.Value, measurement.Status);
        Assert.Equal("Bearer s3cr3t-token", _stub.Requests.Single().Header("Authorization"));
        Assert.Equal(["monitoring/prom-auth"], _cluster.SecretReads);
    }

    [Fact]
    public async Task Template_BasicSecret_SendsBasicAuth()
    {
        _cluster.AddSecret("apps", "prom-auth", new Dictionary<string, string> { ["username"] = "flagger", ["password"] = "pa:ss" });
        _cluster.AddTemplate("apps", "tpl", "vector(1)", _stub.Address.ToString(), secretName: "prom-auth");

        await MeasureTemplateAsync("apps");

        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("flagger:pa:ss"));
        Assert.Equal(expected, _stub.Requests.Single().Header("Authorization"));
    }

    [Fact]
    public async Task Template_SecretWithoutPassword_FailsNamingTheKeyNotTheValue()
    {
        _cluster.AddSecret("apps", "prom-auth", new Dictionary<string, string> { ["username"] = "flagger-user" });
        _cluster.AddTemplate("apps", "tpl", "vector(1)", _stub.Address.ToString(), secretName: "prom-auth");

        var measurement = await MeasureTemplateAsync("apps");

        Assert.Equal(MeasurementStatus.Failed, measurement.Status);
        Assert.Contains("\"password\"", measurement.Error, StringComparison.Ordinal);
        Assert.Contains("apps/prom-auth", measurement.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("flagger-user", measurement.Error, StringComparison.Ordinal);
        Assert.Empty(_stub.Requests);
    }

    [Fact]
    public async Task Template_MissingSecret_Fails()
    {
        _cluster.AddTemplate("apps", "tpl", "vector(1)", _stub.Address.ToString(), secretName: "nope");

        var measurement = await MeasureTemplateAsync("apps");

        Assert.Equal("secret apps/nope of MetricTemplate apps/tpl not found", measurement.Error);
    }

    [Fact]
    public async Task Template_CustomHeaders_ArriveWithEveryValue()
    {
        _cluster.AddTemplate("apps", "tpl", "vector(1)", _stub.Address.ToString(), headers: new Dictionary<string, IList<string>>
        {
            ["X-Scope-OrgID"] = ["tenant-a"],
            ["X-Extra"] = ["one", "two"],
        });

        await MeasureTemplateAsync("apps");

        var request = _stub.Requests.Single();
        Assert.Equal("tenant-a", request.Header("X-Scope-OrgID"));
        // HttpClient folds a header's values into one line, which HTTP reads the same as repeated lines.
        Assert.Equal("one, two", request.Header("X-Extra"));
        Assert.Null(request.Header("Authorization"));
    }

    [Fact]
    public async Task Template_AddressWithPathPrefix_QueriesUnderThePrefixWithCollapsedWhitespace()
    {
        _cluster.AddTemplate("apps", "tpl", "sum(\n  rate(x{ns=\"{{ namespace }}\"}[1m])\n)\t* 100", new Uri(_stub.Address, "/prometheus/").ToString());

        var measurement = await MeasureTemplateAsync("apps");

        var request = _stub.Requests.Single();
        Assert.Equal("GET", request.Method);
        Assert.Equal("/prometheus/api/v1/query", request.Path);
        Assert.Equal("sum( rate(x{ns=\"apps\"}[1m]) ) * 100", request.Query);
        Assert.Equal(request.Query, measurement.Query);
    }

    [Theory]
    [InlineData("http://mimir/prometheus", "http://mimir/prometheus/api/v1/query")]
    [InlineData("http://mimir/prometheus/", "http://mimir/prometheus/api/v1/query")]
    [InlineData("http://prometheus:9090", "http://prometheus:9090/api/v1/query")]
    public void QueryUri_JoinsTheApiPathToTheAddressPath(string address, string expected)
    {
        var uri = PrometheusEndpoint.Parse(address).QueryUri("up == 1");

        Assert.Equal(expected + "?query=up%20%3D%3D%201", uri.AbsoluteUri);
    }

    [Fact]
    public async Task Query_ErrorStatus_FailsWithTruncatedBody()
    {
        var longError = new string('x', 2000);
        _stub.Respond = _ => (422, $$"""{"status":"error","errorType":"execution","error":"{{longError}}"}""");
        await using var services = Services();

        var result = await Client(services).QueryAsync(PrometheusEndpoint.Parse(_stub.Address.ToString()), "bad(", CancellationToken.None);

        Assert.Equal(PrometheusResultKind.Failed, result.Kind);
        Assert.StartsWith($"Prometheus at {_stub.Address.ToString().TrimEnd('/')} answered 422 Unprocessable Entity: {{\"status\":\"error\"", result.Error, StringComparison.Ordinal);
        Assert.EndsWith("...", result.Error, StringComparison.Ordinal);
        Assert.True(result.Error!.Length < 700, $"{result.Error.Length} characters");
    }

    [Fact]
    public async Task Query_ServerHangs_FailsAtTheTimeout()
    {
        _stub.Delay = TimeSpan.FromSeconds(30);
        await using var services = Services(new Dictionary<string, string?> { ["Prometheus:Timeout"] = "00:00:01" });
        var clock = Stopwatch.StartNew();

        var result = await Client(services).QueryAsync(PrometheusEndpoint.Parse(_stub.Address.ToString()), "vector(1)", CancellationToken.None);

        Assert.Equal(PrometheusResultKind.Failed, result.Kind);
        Assert.EndsWith("did not answer within 1s", result.Error, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(4));
    }

    [Fact]
    public async Task IsOnline_AnswerOtherThanOne_IsOffline()
    {
        _stub.Respond = _ => (200, """{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"2"]}]}}""");
        await using var services = Services();

        var result = await Client(services).IsOnlineAsync(PrometheusEndpoint.Parse(_stub.Address.ToString()), CancellationToken.None);

        Assert.False(result.HasValue);
        Assert.EndsWith("answered 2 to vector(1), expected 1", result.Error, StringComparison.Ordinal);
        Assert.Equal("vector(1)", _stub.Requests.Single().Query);
    }

    [Fact]
    public async Task InsecureSkipVerify_SelfSignedHttps_OnlyWorksWhenAsked()
    {
        await using var https = await PrometheusApiStub.StartAsync(https: true);
        await using var services = Services();
        var endpoint = PrometheusEndpoint.Parse(https.Address.ToString());

        var verified = await Client(services).QueryAsync(endpoint, "vector(1)", CancellationToken.None);
        var skipped = await Client(services).QueryAsync(endpoint with { InsecureSkipVerify = true }, "vector(1)", CancellationToken.None);

        Assert.Equal(PrometheusResultKind.Failed, verified.Kind);
        Assert.Contains("TLS", verified.Error, StringComparison.Ordinal);
        Assert.Equal(PrometheusResultKind.Value, skipped.Kind);
        Assert.Equal(1, skipped.Value);
    }

    [Fact]
    public async Task AzureMonitor_TokenIsSentForTheMonitorScopeAndCached()
    {
        var credential = new FakeCredential(TimeSpan.FromHours(1));
        await using var services = Services(new Dictionary<string, string?> { ["Prometheus:AzureMonitorAuthentication"] = "Always" },
            s => s.AddSingleton<TokenCredential>(credential));
        var canary = MetricCanaries.Podinfo("apps", metricsServer: _stub.Address.ToString());

        await services.Provider().MeasureAsync(canary, MetricCanaries.SuccessRate(), CancellationToken.None);
        await services.Provider().MeasureAsync(canary, MetricCanaries.Duration(), CancellationToken.None);

        Assert.All(_stub.Requests, r => Assert.Equal("Bearer entra-1", r.Header("Authorization")));
        Assert.Equal(2, _stub.Requests.Count);
        Assert.Equal(1, credential.Calls);
        Assert.Equal([AzureMonitorTokenCache.Scope], credential.Scopes);
    }

    [Fact]
    public async Task AzureMonitor_TokenCloseToExpiry_IsRefreshed()
    {
        var credential = new FakeCredential(TimeSpan.FromMinutes(2));
        await using var services = Services(new Dictionary<string, string?> { ["Prometheus:AzureMonitorAuthentication"] = "Always" },
            s => s.AddSingleton<TokenCredential>(credential));
        var endpoint = PrometheusEndpoint.Parse(_stub.Address.ToString()) with { UseAzureMonitorToken = true };

        await Client(services).QueryAsync(endpoint, "vector(1)", CancellationToken.None);
        await Client(services).QueryAsync(endpoint, "vector(1)", CancellationToken.None);

        Assert.Equal(2, credential.Calls);
        Assert.Equal(["Bearer entra-1", "Bearer entra-2"], _stub.Requests.Select(r => r.Header("Authorization")));
    }

    [Fact]
    public async Task AzureMonitor_TemplateSecret_WinsOverTheEntraToken()
    {
        var credential = new FakeCredential(TimeSpan.FromHours(1));
        _cluster.AddSecret("apps", "prom-auth", new Dictionary<string, string> { ["token"] = "own-token" });
        _cluster.AddTemplate("apps", "tpl", "vector(1)", _stub.Address.ToString(), secretName: "prom-auth");
        await using var services = Services(new Dictionary<string, string?> { ["Prometheus:AzureMonitorAuthentication"] = "Always" },
            s => s.AddSingleton<TokenCredential>(credential));

        await services.Provider().MeasureAsync(MetricCanaries.Podinfo("apps"), MetricCanaries.FromTemplate("tpl", "tpl"), CancellationToken.None);

        Assert.Equal("Bearer own-token", _stub.Requests.Single().Header("Authorization"));
        Assert.Equal(0, credential.Calls);
    }

    [Fact]
    public async Task AzureMonitor_TokenFailure_IsAFailedQueryWithoutHanging()
    {
        await using var services = Services(new Dictionary<string, string?> { ["Prometheus:AzureMonitorAuthentication"] = "Always" },
            s => s.AddSingleton<TokenCredential>(new FakeCredential(TimeSpan.FromHours(1)) { Fail = true }));

        var result = await Client(services).QueryAsync(
            PrometheusEndpoint.Parse(_stub.Address.ToString()) with { UseAzureMonitorToken = true }, "vector(1)", CancellationToken.None);

        Assert.Equal(PrometheusResultKind.Failed, result.Kind);
        Assert.Contains("could not get an Entra token for Azure Monitor: no managed identity here", result.Error, StringComparison.Ordinal);
        Assert.Empty(_stub.Requests);
    }

    [Theory]
    [InlineData("https://ws-abc.westeurope.prometheus.monitor.azure.com", AzureMonitorAuthentication.Auto, true)]
    [InlineData("https://WS-ABC.eastus.Prometheus.Monitor.Azure.com/", AzureMonitorAuthentication.Auto, true)]
    [InlineData("http://prometheus.monitoring:9090", AzureMonitorAuthentication.Auto, false)]
    [InlineData("https://evil.prometheus.monitor.azure.com.example.org", AzureMonitorAuthentication.Auto, false)]
    [InlineData("http://prometheus.monitoring:9090", AzureMonitorAuthentication.Always, true)]
    [InlineData("https://ws-abc.westeurope.prometheus.monitor.azure.com", AzureMonitorAuthentication.Never, false)]
    public void AzureMonitorPolicy_DecidesFromHostAndOption(string address, AzureMonitorAuthentication mode, bool expected) =>
        Assert.Equal(expected, PrometheusEndpoint.Parse(address).WithAzureMonitorPolicy(mode).UseAzureMonitorToken);

    [Theory]
    [InlineData("")]
    [InlineData("prometheus:9090")]
    [InlineData("ftp://prometheus")]
    [InlineData("/relative")]
    public void Parse_InvalidAddress_Throws(string address) =>
        Assert.Throws<PrometheusConfigurationException>(() => PrometheusEndpoint.Parse(address));

    [Fact]
    public void DisplayAddress_HidesUserInfo()
    {
        var endpoint = PrometheusEndpoint.Parse("https://user:hunter2@mimir.example/prometheus?x=1");

        Assert.Equal("https://mimir.example/prometheus", endpoint.DisplayAddress);
    }

    [Fact]
    public void WithSecret_TokenWinsOverUsernameAndPassword()
    {
        var secret = new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "s", NamespaceProperty = "n" },
            StringData = new Dictionary<string, string> { ["token"] = "t", ["username"] = "u", ["password"] = "p" },
        };

        Assert.Equal("Bearer t", PrometheusEndpoint.Parse("http://p").WithSecret(secret).Authorization!.ToString());
    }

    [Fact]
    public void AddPrometheusMetrics_InvalidAddress_FailsValidation()
    {
        using var services = MetricServices.Build(_cluster, "not a url");

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
            () => services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PrometheusOptions>>().Value);
        Assert.Contains("Address", error.Message, StringComparison.Ordinal);
    }

    private async Task<MetricMeasurement> MeasureTemplateAsync(string ns, string? templateNamespace = null)
    {
        await using var services = Services();
        return await services.Provider().MeasureAsync(
            MetricCanaries.Podinfo(ns), MetricCanaries.FromTemplate("tpl", "tpl", templateNamespace), CancellationToken.None);
    }

    private ServiceProvider Services(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? more = null) =>
        MetricServices.Build(_cluster, "http://127.0.0.1:1", more, settings);

    private static PrometheusClient Client(ServiceProvider services) => services.GetRequiredService<PrometheusClient>();

    private sealed class FakeCredential(TimeSpan lifetime) : TokenCredential
    {
        private int _calls;

        public int Calls => _calls;

        public bool Fail { get; init; }

        public List<string> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            GetTokenAsync(requestContext, cancellationToken).AsTask().GetAwaiter().GetResult();

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            if (Fail)
            {
                throw new Azure.Identity.AuthenticationFailedException("no managed identity here\nsecond line with details");
            }

            var call = Interlocked.Increment(ref _calls);
            lock (Scopes)
            {
                Scopes.Clear();
                Scopes.AddRange(requestContext.Scopes);
            }

            return ValueTask.FromResult(new AccessToken($"entra-{call}", DateTimeOffset.UtcNow + lifetime));
        }
    }
}
