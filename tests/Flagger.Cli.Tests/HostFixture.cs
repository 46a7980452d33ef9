using Flagger.Core.Model;
using Flagger.Host;
using Flagger.Host.Testing;
using Flagger.Sandbox;
using Flagger.Sandbox.Kubernetes;
using Flagger.Testing.Azurite;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Flagger.Cli.Tests;

/// <summary>
/// Flagger.Host in process serving the real API (durable backend on Azurite, the Kubernetes adapters against the
/// fake API server) with two canaries: <c>podinfo</c>, whose rollouts a closed confirm-traffic-increase gate (the
/// host's built-in one) holds in Progressing, and <c>idle</c>, which is never changed and stays Initialized.
/// </summary>
public sealed class HostFixture : IAsyncLifetime
{
    public const string Key = "cli-secret";

    private AzuriteServer _azurite = null!;
    private WebApplication _host = null!;

    public FakeKubernetesApiServer Cluster { get; private set; } = null!;

    public Uri Address { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteServer.StartAsync();
        Cluster = await FakeKubernetesApiServer.StartAsync();
        _host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["Kubernetes:Kubeconfig"] = Cluster.KubeconfigPath,
            ["StateStore:ConnectionString"] = _azurite.ConnectionString,
            ["Prometheus:Address"] = "http://127.0.0.1:9",
            ["Host:ApiKey"] = Key,
            ["Host:TaskHubName"] = "clitests",
            ["Host:SweepInterval"] = "00:00:01",
            ["Host:RolloutInterval"] = "00:00:01",
        });
        Address = TestHost.AddressOf(_host);

        Seed("podinfo", new CanaryWebhook
        {
            Name = "traffic-gate",
            Type = WebhookType.ConfirmTrafficIncrease,
            Url = new Uri(Address, $"/api/gates/check?code={Key}").ToString(),
        });
        Seed("idle");
        await UntilAsync(() => Phase("podinfo") == CanaryPhase.Initialized && Phase("idle") == CanaryPhase.Initialized, TimeSpan.FromSeconds(90));
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        await _host.DisposeAsync();
        await Cluster.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    public Func<string, string?> Environment => variable => variable switch
    {
        FlaggerCtl.UrlVariable => Address.ToString(),
        FlaggerCtl.KeyVariable => Key,
        _ => null,
    };

    /// <summary>flaggerctl with FLAGGER_URL and FLAGGER_KEY set to this host.</summary>
    public Task<CliRun> RunAsync(params string[] args) => CliRun.RunAsync(Environment, CancellationToken.None, args);

    public CanaryPhase? Phase(string name) => Cluster.Get<Canary>("test", name)?.Status?.Phase;

    public void NewImage(string name, string image)
    {
        var target = Cluster.Get<V1Deployment>("test", name)!;
        target.Spec.Template.Spec.Containers[0].Image = image;
        Cluster.Seed(target);
    }

    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(200);
        }
    }

    private void Seed(string name, params CanaryWebhook[] webhooks)
    {
        Cluster.Seed(SampleApp.ConfigMap("test", name));
        Cluster.Seed(SampleApp.Deployment("test", name, SampleApp.DefaultImage, replicas: 1));
        Cluster.Seed(new Canary
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "test" },
            Spec = new CanarySpec
            {
                Provider = "gatewayapi:v1",
                TargetRef = new LocalObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = name },
                Service = new CanaryService { Port = 9898, GatewayRefs = [new GatewayReference { Name = "public", Namespace = "gateway-system" }] },
                Analysis = new CanaryAnalysis { Interval = "10s", Threshold = 2, StepWeight = 25, MaxWeight = 50, Webhooks = webhooks },
            },
        });
    }
}
