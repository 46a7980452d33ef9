using System.Text.Json.Nodes;
using Flagger.Sandbox.Kubernetes;
using k8s;

namespace Flagger.Sandbox.Tests.FakeApiServer;

/// <summary>A server started again on its state directory is the same cluster, at the same address.</summary>
public sealed class StateDirectoryTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("flagger-fake-state-").FullName;

    [Fact]
    public async Task StartedAgainOnItsStateDirectory_SameAddressTokenCaAndObjects_OldKubeconfigStillWorks()
    {
        var kubeconfig = Path.Combine(_state, "kubeconfig");
        string createdVersion;
        Uri address;
        await using (var first = await FakeKubernetesApiServer.StartAsync(new FakeApiServerOptions { StateDirectory = _state }))
        {
            first.WriteKubeconfig(kubeconfig);
            address = first.BaseAddress;
            using var client = first.CreateClient();
            createdVersion = (await client.CoreV1.CreateNamespacedConfigMapAsync(Objects.ConfigMap("test", "settings"), "test")).Metadata.ResourceVersion;
        }

        await using var second = await FakeKubernetesApiServer.StartAsync(new FakeApiServerOptions { StateDirectory = _state });
        using var old = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        var settings = await old.CoreV1.ReadNamespacedConfigMapAsync("settings", "test");
        var next = await old.CoreV1.CreateNamespacedConfigMapAsync(Objects.ConfigMap("test", "more"), "test");

        Assert.Equal(address, second.BaseAddress);
        Assert.Equal(createdVersion, settings.Metadata.ResourceVersion);
        Assert.True(long.Parse(next.Metadata.ResourceVersion) > long.Parse(createdVersion));
    }

    [Fact]
    public async Task ObjectsAreWrittenShortlyAfterAChange_NotOnlyOnDispose()
    {
        await using var server = await FakeKubernetesApiServer.StartAsync(new FakeApiServerOptions { StateDirectory = _state });
        server.Seed(Objects.ConfigMap("test", "settings"));
        var path = Path.Combine(_state, "objects.json");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!File.Exists(path) || !File.ReadAllText(path).Contains("\"settings\"", StringComparison.Ordinal))
        {
            await Task.Delay(50, timeout.Token);
        }

        var names = JsonNode.Parse(File.ReadAllText(path))!["objects"]!.AsArray().Select(o => o!["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal(["settings"], names);
    }

    [Fact]
    public async Task ARolloutPendingWhenTheServerStopped_CompletesAfterTheRestart()
    {
        await using (var first = await FakeKubernetesApiServer.StartAsync(new FakeApiServerOptions { StateDirectory = _state }))
        {
            first.Deployments.Automatic = false;
            first.Seed(Objects.Deployment("test", "podinfo", replicas: 2));
        }

        await using var second = await FakeKubernetesApiServer.StartAsync(new FakeApiServerOptions { StateDirectory = _state });
        var deployment = second.Get("apps/v1", "Deployment", "test", "podinfo")!;

        Assert.Equal(2, deployment["status"]?["readyReplicas"]?.GetValue<int>());
    }

    public void Dispose() => Directory.Delete(_state, recursive: true);
}
