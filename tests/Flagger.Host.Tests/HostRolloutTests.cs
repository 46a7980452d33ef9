using System.Net;
using System.Net.Http.Json;
using System.Text;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Host.Testing;
using Flagger.Sandbox;
using Flagger.Sandbox.Kubernetes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;

namespace Flagger.Host.Tests;

/// <summary>
/// Flagger.Host end to end: the real HTTP API, the durable Azure Storage backend on Azurite, the Kubernetes
/// adapters against the fake API server. A registry push drives a rollout to the end.
/// </summary>
public sealed class HostRolloutTests : IAsyncLifetime
{
    private FakeClusterHost _env = null!;

    public async Task InitializeAsync()
    {
        _env = await FakeClusterHost.StartAsync("hosttests");
    }

    /// <summary>A confirm-promotion gate on the host's own built-in gate endpoint.</summary>
    private CanaryWebhook PromotionGate => new()
    {
        Name = "approval",
        Type = WebhookType.ConfirmPromotion,
        Url = new Uri(_env.Http.BaseAddress!, "/api/gates/check?code=secret").ToString(),
    };

    public async Task DisposeAsync()
    {
        await _env.DisposeAsync();
    }

    private static void Seed(FakeKubernetesApiServer cluster, params CanaryWebhook[] webhooks) => Seed(cluster, _ => { }, webhooks);

    private static void Seed(FakeKubernetesApiServer cluster, Action<Canary> change, params CanaryWebhook[] webhooks)
    {
        cluster.Seed(SampleApp.ConfigMap("test", "podinfo"));
        cluster.Seed(SampleApp.Deployment("test", "podinfo", SampleApp.DefaultImage, replicas: 2));
        var canary = new Canary
        {
            Metadata = new V1ObjectMeta { Name = "podinfo", NamespaceProperty = "test" },
            Spec = new CanarySpec
            {
                Provider = "gatewayapi:v1",
                TargetRef = new LocalObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "podinfo" },
                Service = new CanaryService { Port = 9898, GatewayRefs = [new GatewayReference { Name = "public", Namespace = "gateway-system" }] },
                Analysis = new CanaryAnalysis { Interval = "10s", Threshold = 2, StepWeight = 25, MaxWeight = 50, Webhooks = webhooks },
            },
        };
        change(canary);
        cluster.Seed(canary);
    }

    private Canary Canary => _env.Cluster.Get<Canary>("test", "podinfo")!;

    private async Task UntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            var canary = _env.Cluster.Get<Canary>("test", "podinfo");
            Assert.True(DateTime.UtcNow < deadline, $"timed out; phase {canary?.Status?.Phase}, weight {canary?.Status?.CanaryWeight}; events: " +
                string.Join(" | ", _env.Cluster.List("v1", "Event", "test").Select(e => (string?)e["message"]).TakeLast(8)));
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task RegistryPush_OverTheApi_RollsOutToSucceeded_WithHistoryAndOperationsGuarded()
    {
        Seed(_env.Cluster);
        await UntilAsync(() => Canary.Status?.Phase == CanaryPhase.Initialized, TimeSpan.FromSeconds(90));

        using var unauthorized = new HttpClient { BaseAddress = _env.Http.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await unauthorized.GetAsync("/api/canaries")).StatusCode);
        var illegal = await _env.Http.PostAsync("/api/canaries/test/podinfo/promote", null);
        Assert.Equal(HttpStatusCode.Conflict, illegal.StatusCode);

        var push = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "acr-image-pushed.eventgrid.json"));
        var pushed = await _env.Http.PostAsync("/api/registry/events", new StringContent(push, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, pushed.StatusCode);

        await UntilAsync(() => Canary.Status?.Phase == CanaryPhase.Succeeded, TimeSpan.FromSeconds(120));
        var primary = _env.Cluster.Get<V1Deployment>("test", "podinfo-primary")!;
        Assert.StartsWith("contosoacr.azurecr.io/podinfo:6.0.1@sha256:", primary.Spec.Template.Spec.Containers[0].Image, StringComparison.Ordinal);
        var history = await _env.Http.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/canaries/test/podinfo/history?pageSize=100");
        var messages = history.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("message").GetString()).ToList();
        Assert.Contains("Promotion completed! Scaling down podinfo.test", messages);
        Assert.Contains("Advance podinfo.test canary weight 50", messages);
    }

    [Fact]
    public async Task DeleteCanary_WithRevertOnDeletion_TargetComesBackWithThePrimarysReplicasAndTheCanaryGoes()
    {
        Seed(_env.Cluster, c => c.Spec.RevertOnDeletion = true);
        await UntilAsync(() => Canary.Status?.Phase == CanaryPhase.Initialized && Canary.Metadata.Finalizers?.Contains(CanaryFinalizer.Name) == true, TimeSpan.FromSeconds(90));
        Assert.Equal(0, _env.Cluster.Get<V1Deployment>("test", "podinfo")!.Spec.Replicas);
        using var client = _env.Cluster.CreateClient();

        await client.CustomObjects.DeleteNamespacedCustomObjectAsync<System.Text.Json.Nodes.JsonObject>(
            FlaggerApi.Group, FlaggerApi.Version, "test", Canary.KubePlural, "podinfo");

        Assert.NotNull(Canary.Metadata.DeletionTimestamp);
        await UntilAsync(() => _env.Cluster.Get<Canary>("test", "podinfo") is null, TimeSpan.FromSeconds(60));
        var target = _env.Cluster.Get<V1Deployment>("test", "podinfo")!;
        Assert.Equal(_env.Cluster.Get<V1Deployment>("test", "podinfo-primary")!.Spec.Replicas, target.Spec.Replicas);
        Assert.Equal(2, target.Status.ReadyReplicas);
        var events = _env.Cluster.List("v1", "Event", "test").Select(e => (string?)e["message"]).ToList();
        Assert.Contains("Terminating canary podinfo.test", events);
        Assert.Contains("Terminated canary podinfo.test", events);
    }

    private void NewImage(string image)
    {
        var target = _env.Cluster.Get<V1Deployment>("test", "podinfo")!;
        target.Spec.Template.Spec.Containers[0].Image = image;
        _env.Cluster.Seed(target);
    }

    private async Task WaitingForPromotionAsync()
    {
        Seed(_env.Cluster, PromotionGate);
        await UntilAsync(() => Canary.Status?.Phase == CanaryPhase.Initialized, TimeSpan.FromSeconds(90));
        NewImage("contosoacr.azurecr.io/podinfo:6.0.1");
        await UntilAsync(() => Canary.Status?.Phase == CanaryPhase.WaitingPromotion, TimeSpan.FromSeconds(90));
    }

    [Fact]
    public async Task ApproveOverHttp_OpensTheConfirmPromotionGate_AndTheCanaryIsPromoted()
    {
        await WaitingForPromotionAsync();

        var approved = await _env.Http.PostAsync("/api/canaries/test/podinfo/approve?gate=confirm-promotion", null);

        Assert.Equal(HttpStatusCode.Accepted, approved.StatusCode);
        await UntilAsync(() => Canary.Status?.Phase == CanaryPhase.Succeeded, TimeSpan.FromSeconds(90));
        var history = await _env.Http.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/canaries/test/podinfo/history?pageSize=100");
        Assert.Contains(history.GetProperty("entries").EnumerateArray(), e =>
            e.GetProperty("operations").EnumerateArray().Any(o => o.GetProperty("kind").GetString() == "Approve" && o.GetProperty("detail").GetString() == "confirm-promotion"));
    }

    [Fact]
    public async Task AbortThenRetryOverHttp_RollsBackThenRunsTheSameRevisionAgain()
    {
        await WaitingForPromotionAsync();

        Assert.Equal(HttpStatusCode.Accepted, (await _env.Http.PostAsync("/api/canaries/test/podinfo/abort", null)).StatusCode);
        await UntilAsync(() => Canary.Status?.Phase == CanaryPhase.Failed, TimeSpan.FromSeconds(60));
        Assert.Equal("contosoacr.azurecr.io/podinfo:6.0.0", _env.Cluster.Get<V1Deployment>("test", "podinfo-primary")!.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal(HttpStatusCode.Conflict, (await _env.Http.PostAsync("/api/canaries/test/podinfo/abort", null)).StatusCode);

        Assert.Equal(HttpStatusCode.Accepted, (await _env.Http.PostAsync("/api/canaries/test/podinfo/retry", null)).StatusCode);
        await UntilAsync(() => Canary.Status?.Phase == CanaryPhase.WaitingPromotion, TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.Accepted, (await _env.Http.PostAsync("/api/canaries/test/podinfo/approve?gate=confirm-promotion", null)).StatusCode);
        await UntilAsync(() => Canary.Status?.Phase == CanaryPhase.Succeeded, TimeSpan.FromSeconds(60));
        Assert.Equal("contosoacr.azurecr.io/podinfo:6.0.1", _env.Cluster.Get<V1Deployment>("test", "podinfo-primary")!.Spec.Template.Spec.Containers[0].Image);
    }
}
