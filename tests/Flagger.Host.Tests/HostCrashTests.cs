using System.Net.Http.Json;
using System.Text.Json;
using Flagger.Core.Model;
using Flagger.Sandbox;
using Flagger.Testing.Azurite;
using Flagger.Testing.Http;
using Flagger.Sandbox.Kubernetes;
using k8s.Models;
using Xunit.Abstractions;

namespace Flagger.Host.Tests;

public sealed class CrashFixture : IAsyncLifetime
{
    public AzuriteServer Azurite { get; private set; } = null!;

    public FakeKubernetesApiServer Cluster { get; private set; } = null!;

    public HttpReceiver Hooks { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Azurite = await AzuriteServer.StartAsync();
        Cluster = await FakeKubernetesApiServer.StartAsync();
        Hooks = await HttpReceiver.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Hooks.DisposeAsync();
        await Cluster.DisposeAsync();
        await Azurite.DisposeAsync();
    }
}

/// <summary>
/// A host killed with SIGKILL mid-rollout and started again finishes the rollout with the same result:
/// the durable state is in storage, and a tick applied again after a crash changes nothing twice.
/// </summary>
public sealed class HostCrashTests(CrashFixture fixture, ITestOutputHelper output) : IClassFixture<CrashFixture>
{
    private Dictionary<string, string> Settings(string hub) => new()
    {
        ["Kubernetes__Kubeconfig"] = fixture.Cluster.KubeconfigPath,
        ["StateStore__ConnectionString"] = fixture.Azurite.ConnectionString,
        ["StateStore__TablePrefix"] = hub,
        ["Prometheus__Address"] = "http://127.0.0.1:9",
        ["Host__TaskHubName"] = hub,
        ["Host__SweepInterval"] = "00:00:01",
        ["Host__RolloutInterval"] = "00:00:01",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    private string Seed(string ns)
    {
        fixture.Cluster.Seed(SampleApp.ConfigMap(ns, "podinfo"));
        fixture.Cluster.Seed(SampleApp.Deployment(ns, "podinfo", "podinfo:1.0.0", replicas: 1));
        fixture.Cluster.Seed(new Canary
        {
            Metadata = new V1ObjectMeta { Name = "podinfo", NamespaceProperty = ns },
            Spec = new CanarySpec
            {
                Provider = "gatewayapi:v1",
                TargetRef = new LocalObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "podinfo" },
                Service = new CanaryService { Port = 9898, GatewayRefs = [new GatewayReference { Name = "public" }] },
                Analysis = new CanaryAnalysis
                {
                    Interval = "10s",
                    Threshold = 3,
                    StepWeight = 25,
                    MaxWeight = 50,
                    Webhooks = [new CanaryWebhook { Name = "load", Type = WebhookType.Rollout, Url = fixture.Hooks.Url($"/{ns}/load").ToString(), Timeout = "60s" }],
                },
            },
        });
        return ns;
    }

    private Canary Canary(string ns) => fixture.Cluster.Get<Canary>(ns, "podinfo")!;

    private async Task UntilAsync(string ns, Func<Canary, bool> condition, HostProcess? host, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition(Canary(ns)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out in {Canary(ns).Status?.Phase} at weight {Canary(ns).Status?.CanaryWeight}\n{host?.Output}");
            await Task.Delay(100);
        }
    }

    private void NewImage(string ns)
    {
        var target = fixture.Cluster.Get<V1Deployment>(ns, "podinfo")!;
        target.Spec.Template.Spec.Containers[0].Image = "podinfo:2.0.0";
        fixture.Cluster.Seed(target);
    }

    private async Task RunThroughACrashAsync(string scenario, Func<string, HostProcess, Task> crashWhen)
    {
        var ns = Seed(scenario);
        var settings = Settings(scenario.Replace("-", "", StringComparison.Ordinal));
        var first = await HostProcess.StartAsync(settings);
        await UntilAsync(ns, c => c.Status?.Phase == CanaryPhase.Initialized, first, TimeSpan.FromSeconds(60));
        NewImage(ns);

        await crashWhen(ns, first);
        await first.KillAsync();
        var killedAt = DateTime.UtcNow;
        fixture.Hooks.Answer($"/{ns}/load", ReceiverAnswer.Ok());
        await using var second = await HostProcess.StartAsync(settings);
        await UntilAsync(ns, c => c.Status?.Phase == CanaryPhase.Succeeded, second, TimeSpan.FromSeconds(120));
        output.WriteLine($"{scenario}: finished {(DateTime.UtcNow - killedAt).TotalSeconds:0.0} s after the kill");

        Assert.Equal("podinfo:2.0.0", fixture.Cluster.Get<V1Deployment>(ns, "podinfo-primary")!.Spec.Template.Spec.Containers[0].Image);
        using var http = new HttpClient { BaseAddress = second.Address };
        var history = await http.GetFromJsonAsync<JsonElement>($"/api/canaries/{ns}/podinfo/history?pageSize=200");
        var entries = history.GetProperty("entries").EnumerateArray().ToList();
        var sequences = entries.Select(e => e.GetProperty("sequence").GetInt64()).OrderBy(s => s).ToList();
        Assert.Equal(Enumerable.Range(1, sequences.Count).Select(i => (long)i), sequences);
        Assert.Single(entries, e => e.GetProperty("phase").GetString() == "Promoting" && e.GetProperty("message").GetString()!.StartsWith("Copying", StringComparison.Ordinal));
        Assert.Single(entries, e => e.GetProperty("phase").GetString() == "Succeeded");
    }

    [Fact]
    public Task Crash_AfterAWeightChange_TheRestartedHostFinishesTheRollout() =>
        RunThroughACrashAsync("after-weight", (ns, host) => UntilAsync(ns, c => c.Status?.CanaryWeight == 25, host, TimeSpan.FromSeconds(60)));

    [Fact]
    public Task Crash_DuringTheChecks_TheRestartedHostRunsThemAgainAndFinishes() =>
        RunThroughACrashAsync("during-checks", async (ns, host) =>
        {
            fixture.Hooks.Answer($"/{ns}/load", new ReceiverAnswer(200, Delay: TimeSpan.FromSeconds(60)));
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (fixture.Hooks.RequestsTo($"/{ns}/load").Count == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, host.Output);
                await Task.Delay(100);
            }
        });

    [Fact]
    public Task Crash_DuringPromotion_TheRestartedHostPromotesOnce() =>
        RunThroughACrashAsync("during-promotion", (ns, host) => UntilAsync(ns, c => c.Status?.Phase == CanaryPhase.Promoting, host, TimeSpan.FromSeconds(60)));
}
