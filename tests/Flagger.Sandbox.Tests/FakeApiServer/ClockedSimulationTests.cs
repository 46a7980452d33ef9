using Flagger.Testing.Kubernetes;
using System.Globalization;
using System.Text.Json;
using Flagger.Sandbox.Kubernetes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;

namespace Flagger.Sandbox.Tests.FakeApiServer;

/// <summary>A second server whose simulations run on a fake clock, so delays are exact and never flaky.</summary>
public sealed class ClockedFakeApiServerFixture : IAsyncLifetime
{
    private int _namespaces;

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public FakeKubernetesApiServer Server { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Server = await FakeKubernetesApiServer.StartAsync(new FakeApiServerOptions { TimeProvider = Clock });

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public string NewNamespace() => $"clocked-{Interlocked.Increment(ref _namespaces)}";
}

[CollectionDefinition(Name)]
public sealed class ClockedFakeApiServerCollection : ICollectionFixture<ClockedFakeApiServerFixture>
{
    public const string Name = "Fake Kubernetes API server on a fake clock";
}

[Collection(ClockedFakeApiServerCollection.Name)]
public sealed class ClockedSimulationTests
{
    private const string Group = "gateway.networking.k8s.io";

    private readonly FakeKubernetesApiServer _server;
    private readonly FakeTimeProvider _clock;
    private readonly string _ns;

    public ClockedSimulationTests(ClockedFakeApiServerFixture fixture)
    {
        _server = fixture.Server;
        _server.Deployments.Reset();
        _server.Gateway.Reset();
        _clock = fixture.Clock;
        _ns = fixture.NewNamespace();
    }

    [Fact]
    public async Task DeploymentRollout_ReadyAfterDelay_ReadyOnlyOnceDelayPassed()
    {
        _server.Deployments.ReadyAfter = TimeSpan.FromSeconds(5);
        var client = _server.CreateClient();
        await client.AppsV1.CreateNamespacedDeploymentAsync(Objects.Deployment(_ns, "podinfo"), _ns);

        _clock.Advance(TimeSpan.FromSeconds(4));
        var early = await client.AppsV1.ReadNamespacedDeploymentAsync("podinfo", _ns);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var late = await client.AppsV1.ReadNamespacedDeploymentAsync("podinfo", _ns);

        Assert.Null(early.Status);
        Assert.Equal((1L, 2), (late.Status.ObservedGeneration!.Value, late.Status.AvailableReplicas!.Value));
    }

    [Fact]
    public async Task DeploymentRollout_BrokenImage_StallsThenProgressDeadlineExceeded()
    {
        _server.Deployments.ProgressDeadline = TimeSpan.FromSeconds(60);
        var client = _server.CreateClient();
        await client.AppsV1.CreateNamespacedDeploymentAsync(Objects.Deployment(_ns, "podinfo"), _ns);
        await client.AppsV1.ReadNamespacedDeploymentAsync("podinfo", _ns);

        await client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch(
            """{"spec":{"template":{"spec":{"containers":[{"name":"podinfo","image":"ghcr.io/stefanprodan/podinfo:broken"}]}}}}""",
            V1Patch.PatchType.StrategicMergePatch), "podinfo", _ns);
        var stalled = (await client.AppsV1.ReadNamespacedDeploymentAsync("podinfo", _ns)).Status;
        _clock.Advance(TimeSpan.FromSeconds(59));
        var stillStalled = (await client.AppsV1.ReadNamespacedDeploymentAsync("podinfo", _ns)).Status;
        _clock.Advance(TimeSpan.FromSeconds(1));
        var failed = (await client.AppsV1.ReadNamespacedDeploymentAsync("podinfo", _ns)).Status;

        Assert.Equal((2L, 2, 2), (stalled.ObservedGeneration!.Value, stalled.UpdatedReplicas!.Value, stalled.UnavailableReplicas!.Value));
        Assert.Null(stalled.AvailableReplicas);
        Assert.Contains(stalled.Conditions, c => c is { Type: "Available", Status: "False", Reason: "MinimumReplicasUnavailable" });
        Assert.Contains(stillStalled.Conditions, c => c is { Type: "Progressing", Status: "True", Reason: "ReplicaSetUpdated" });
        Assert.Contains(failed.Conditions, c => c is { Type: "Progressing", Status: "False", Reason: "ProgressDeadlineExceeded" });
    }

    [Fact]
    public async Task HttpRoute_AcceptAfterDelay_StatusAbsentUntilDelayPassed()
    {
        _server.Gateway.AcceptAfter = TimeSpan.FromSeconds(3);
        var client = _server.CreateClient();
        var created = _clock.GetUtcNow();
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(
            Objects.HttpRoute($"{Group}/v1beta1", _ns, "podinfo", "public"), Group, "v1beta1", _ns, "httproutes");

        _clock.Advance(TimeSpan.FromSeconds(2));
        var early = JsonSerializer.SerializeToNode(await client.CustomObjects.GetNamespacedCustomObjectAsync(Group, "v1beta1", _ns, "httproutes", "podinfo"))!;
        _clock.Advance(TimeSpan.FromSeconds(1));
        var late = JsonSerializer.SerializeToNode(await client.CustomObjects.GetNamespacedCustomObjectAsync(Group, "v1beta1", _ns, "httproutes", "podinfo"))!;

        Assert.Null(early["status"]);
        Assert.Equal(1, late["status"]!["parents"]![0]!["conditions"]![0]!["observedGeneration"]!.GetValue<int>());
        Assert.Equal(created.AddSeconds(3).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), late["status"]!["parents"]![0]!["conditions"]![0]!["lastTransitionTime"]!.GetValue<string>());
    }
}
