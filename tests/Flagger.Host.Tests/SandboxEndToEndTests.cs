using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flagger.Core.Model;
using Flagger.Core.Registry;
using Flagger.Host.Testing;
using Flagger.Sandbox;
using Flagger.Sandbox.Traffic;
using Flagger.Testing.Azurite;
using Flagger.Testing.Http;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Flagger.Host.Tests;

/// <summary>Flagger.Host in sandbox mode (simulated cluster, live traffic, real Prometheus) on Azurite, started once.</summary>
public sealed class SandboxHostFixture : IAsyncLifetime
{
    public AzuriteServer Azurite { get; private set; } = null!;

    public HttpReceiver Alerts { get; private set; } = null!;

    public WebApplication Host { get; private set; } = null!;

    public SandboxCluster Sandbox => Host.Services.GetRequiredService<SandboxCluster>();

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Azurite = await AzuriteServer.StartAsync();
        Alerts = await HttpReceiver.StartAsync();
        Host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["StateStore:ConnectionString"] = Azurite.ConnectionString,
            ["Sandbox:Enabled"] = "true",
            ["Sandbox:ABTesting"] = "true",
            ["Sandbox:BlueGreen"] = "true",
            ["Host:TaskHubName"] = "sandboxe2e",
            ["Host:SweepInterval"] = "00:00:02",
        });
        Http = new HttpClient { BaseAddress = TestHost.AddressOf(Host) };

        using var client = Sandbox.CreateClient();
        Sandbox.ApiServer.Seed(new JsonObject
        {
            ["apiVersion"] = FlaggerApi.GroupVersion,
            ["kind"] = AlertProvider.KubeKind,
            ["metadata"] = new JsonObject { ["name"] = "on-call", ["namespace"] = Sandbox.Namespace },
            ["spec"] = new JsonObject { ["type"] = "slack", ["address"] = Alerts.Url("/slack").ToString() },
        });
        foreach (var name in Sandbox.CanaryNames)
        {
            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [ImagePolicy.Annotation] = @"regex:^6\." } },
                ["spec"] = new JsonObject
                {
                    ["analysis"] = new JsonObject
                    {
                        ["alerts"] = new JsonArray(new JsonObject { ["name"] = "on-call", ["severity"] = "error", ["providerRef"] = new JsonObject { ["name"] = "on-call" } }),
                    },
                },
            };
            await client.CustomObjects.PatchNamespacedCustomObjectAsync(
                new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), FlaggerApi.Group, FlaggerApi.Version, Sandbox.Namespace, Canary.KubePlural, name);
        }
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Host.StopAsync();
        await Host.DisposeAsync();
        await Alerts.DisposeAsync();
        await Azurite.DisposeAsync();
    }
}

/// <summary>
/// The whole product on one machine: registry pushes into the sandbox drive the progressive canary, the A/B
/// canary (header match) and the blue/green canary (mirroring) at once, judged by the builtin metrics that a
/// real Prometheus computes from live traffic.
/// </summary>
public sealed class SandboxEndToEndTests(SandboxHostFixture fixture, ITestOutputHelper output) : IClassFixture<SandboxHostFixture>
{
    private async Task UntilAllAsync(CanaryPhase phase, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (fixture.Sandbox.CanaryNames.Any(n => fixture.Sandbox.View(n).Phase != phase))
        {
            var state = string.Join(", ", fixture.Sandbox.CanaryNames.Select(n => $"{n} {fixture.Sandbox.View(n).Phase} {fixture.Sandbox.View(n).CanaryWeight}% it{fixture.Sandbox.View(n).Iterations}"));
            Assert.True(DateTime.UtcNow < deadline, $"not all {phase}: {state}");
            await Task.Delay(1000);
        }
    }

    private async Task PushAsync(string tag)
    {
        var response = await fixture.Http.PostAsync("/api/registry/events", new StringContent(RegistryPush.EventGridEvent("podinfo", tag), Encoding.UTF8, "application/json"));
        output.WriteLine($"push {tag}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private string? PrimaryImage(string canary) => fixture.Sandbox.View(canary).Primary?.Image;

    [Fact]
    public async Task GoodThenBadImage_EveryStrategyPromotesTheGoodOne_AndRollsBackTheBadOneWithAnAlert()
    {
        await UntilAllAsync(CanaryPhase.Initialized, TimeSpan.FromSeconds(90));

        await PushAsync("6.1.0");
        await UntilAllAsync(CanaryPhase.Succeeded, TimeSpan.FromMinutes(4));

        Assert.All(fixture.Sandbox.CanaryNames, name =>
        {
            Assert.StartsWith("contosoacr.azurecr.io/podinfo:6.1.0@sha256:", PrimaryImage(name), StringComparison.Ordinal);
            Assert.Equal(0, fixture.Sandbox.View(name).Target.Replicas);
            Assert.Equal("True", fixture.Sandbox.View(name).Promoted);
        });
        var history = await fixture.Http.GetFromJsonAsync<JsonElement>("/api/canaries/test/podinfo/history?pageSize=200");
        var messages = history.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("message").GetString()).ToList();
        Assert.Contains("Advance podinfo.test canary weight 50", messages);
        Assert.Contains(history.GetProperty("entries").EnumerateArray(), e =>
            e.GetProperty("checks").EnumerateArray().Any(c => c.GetProperty("name").GetString() == CanaryMetric.RequestSuccessRate && c.GetProperty("value").GetDouble() >= 99));

        await PushAsync("6.2.0-bad");
        await UntilAllAsync(CanaryPhase.Failed, TimeSpan.FromMinutes(4));

        Assert.All(fixture.Sandbox.CanaryNames, name =>
        {
            Assert.StartsWith("contosoacr.azurecr.io/podinfo:6.1.0@sha256:", PrimaryImage(name), StringComparison.Ordinal);
            Assert.Equal(0, fixture.Sandbox.View(name).Target.Replicas);
            Assert.Equal(new RouteWeights(100, 0, false), fixture.Sandbox.RouteWeights(name));
        });
        // The alert goes out once the failing tick is committed, a moment after its status shows Failed.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        bool Alerted() => fixture.Alerts.RequestsTo("/slack").Any(r =>
            r.Body.Contains("Failed checks threshold reached", StringComparison.Ordinal) && r.Body.Contains("podinfo.test", StringComparison.Ordinal));
        while (!Alerted() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.True(Alerted(), "no Slack alert for podinfo.test's failed checks: " + string.Join(" | ", fixture.Alerts.RequestsTo("/slack").Select(r => r.Body)));
    }
}
