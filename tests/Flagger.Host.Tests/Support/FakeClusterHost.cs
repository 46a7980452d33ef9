using Flagger.Sandbox.Kubernetes;
using Flagger.Testing.Azurite;
using Microsoft.AspNetCore.Builder;

namespace Flagger.Host.Testing;

/// <summary>
/// Flagger.Host in the test's process on the fake API server and a fresh Azurite: the real HTTP API, the Durable
/// Azure Storage backend, the Kubernetes adapters over HTTP. Prometheus is unreachable unless the test's settings
/// say otherwise; sweeps and rollout ticks run every second.
/// </summary>
public sealed class FakeClusterHost : IAsyncDisposable
{
    private FakeClusterHost(AzuriteServer azurite, FakeKubernetesApiServer cluster, WebApplication host, HttpClient http)
    {
        Azurite = azurite;
        Cluster = cluster;
        Host = host;
        Http = http;
    }

    public AzuriteServer Azurite { get; }

    public FakeKubernetesApiServer Cluster { get; }

    public WebApplication Host { get; }

    /// <summary>A client on the host's address, with the API key when there is one.</summary>
    public HttpClient Http { get; }

    public Uri Address => TestHost.AddressOf(Host);

    /// <param name="taskHub">The task hub's name: each test class its own.</param>
    /// <param name="apiKey">The host's API key; null: none (the host then listens on loopback only).</param>
    /// <param name="seed">What the cluster holds before the host starts.</param>
    /// <param name="settings">Settings added to, or replacing, the defaults above.</param>
    public static async Task<FakeClusterHost> StartAsync(
        string taskHub, string? apiKey = "secret", Action<FakeKubernetesApiServer>? seed = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var azurite = await AzuriteServer.StartAsync();
        var cluster = await FakeKubernetesApiServer.StartAsync();
        seed?.Invoke(cluster);
        var all = new Dictionary<string, string?>
        {
            ["Kubernetes:Kubeconfig"] = cluster.KubeconfigPath,
            ["StateStore:ConnectionString"] = azurite.ConnectionString,
            ["Prometheus:Address"] = "http://127.0.0.1:9",
            ["Host:TaskHubName"] = taskHub,
            ["Host:SweepInterval"] = "00:00:01",
            ["Host:RolloutInterval"] = "00:00:01",
        };
        if (apiKey is not null)
        {
            all["Host:ApiKey"] = apiKey;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var host = await TestHost.StartAsync(all);
        var http = new HttpClient { BaseAddress = TestHost.AddressOf(host) };
        if (apiKey is not null)
        {
            http.DefaultRequestHeaders.Add(HostEndpoints.ApiKeyHeader, apiKey);
        }

        return new FakeClusterHost(azurite, cluster, host, http);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.StopAsync();
        await Host.DisposeAsync();
        await Cluster.DisposeAsync();
        await Azurite.DisposeAsync();
    }
}
