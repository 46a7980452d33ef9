using System.Net;
using System.Text.Json;
using Flagger.Host.Testing;
using Flagger.Sandbox.Kubernetes;
using Flagger.Testing.Azurite;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Flagger.Host.Tests;

/// <summary>/readyz of the real host on Azurite: the state tables and the task hub storage checked on each call.</summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task Readyz_IsReadyWithAzurite_503NamingBothStoresWhenItStops_AndReadyAgainWhenItIsBack()
    {
        await using var azurite = await AzuriteServer.StartAsync();
        await using var cluster = await FakeKubernetesApiServer.StartAsync();
        await using var host = await TestHost.StartAsync(new Dictionary<string, string?>
 {
     ["Kubernetes:Kubeconfig"] = cluster.KubeconfigPath,
     ["StateStore:ConnectionString"] = azurite.ConnectionString,
     ["Prometheus:Address"] = "http://127.0.0.1:9",
     ["Host:ApiKey"] = "secret",
     ["Host:TaskHubName"] = "readiness",
     ["Logging:LogLevel:Default"] = "None",
 });
        using var http = new HttpClient { BaseAddress = TestHost.AddressOf(host) };

        var (status, ready) = await ReadyzAsync(http);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Equal("ok", ready.GetProperty("checks").GetProperty(Readiness.StateStore).GetString());
        Assert.Equal("ok", ready.GetProperty("checks").GetProperty(Readiness.TaskHub).GetString());

        await azurite.StopAsync();
        using var down = await http.GetAsync(Readiness.Path);
        var unavailable = JsonDocument.Parse(await down.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.NotNull(down.Headers.RetryAfter);
        Assert.Equal("unavailable", unavailable.GetProperty("status").GetString());
        var stateStore = unavailable.GetProperty("checks").GetProperty(Readiness.StateStore).GetString()!;
        var taskHub = unavailable.GetProperty("checks").GetProperty(Readiness.TaskHub).GetString()!;
        Assert.StartsWith("Table Storage (state) is down: ", stateStore, StringComparison.Ordinal);
        Assert.StartsWith("Durable task hub storage (readiness) is down: ", taskHub, StringComparison.Ordinal);
        Assert.Contains("refused", stateStore, StringComparison.OrdinalIgnoreCase);

        // Liveness does not depend on storage.
        using var live = await http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);

        await azurite.RestartAsync();
        (status, ready) = await ReadyzAsync(http);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        await host.StopAsync();
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ReadyzAsync(HttpClient http)
    {
        using var response = await http.GetAsync(Readiness.Path);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }
}
