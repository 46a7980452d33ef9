using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Flagger.Core.Model;
using Flagger.Host.Testing;
using Flagger.Sandbox;
using Flagger.Sandbox.Kubernetes;
using k8s;
using k8s.Models;

namespace Flagger.Host.Tests;

/// <summary>
/// Flagger.Host end to end with an HPA in <c>autoscalerRef</c> (the real API, Durable on Azurite, the adapters
/// against the fake API server): the canary is scaled up during the analysis, as its HPA would under load, and
/// the primary is scaled up before traffic moves back to it. No HPA controller runs; the test scales as one would.
/// </summary>
public sealed class HostAutoscalerTests : IAsyncLifetime
{
    private FakeClusterHost _env = null!;

    public async Task InitializeAsync()
    {
        _env = await FakeClusterHost.StartAsync("autoscalertests");
    }

    public async Task DisposeAsync()
    {
        await _env.DisposeAsync();
    }

    private Canary Canary => _env.Cluster.Get<Canary>("test", "podinfo")!;

    private V2HorizontalPodAutoscaler PrimaryHpa => _env.Cluster.Get<V2HorizontalPodAutoscaler>("test", "podinfo-primary")!;

    private int? Replicas(string name) => _env.Cluster.Get<V1Deployment>("test", name)!.Spec.Replicas;

    /// <summary>
    /// The podinfo canary with an HPA (2 to 10 replicas) and a confirm-promotion gate, run to WaitingPromotion on a
    /// new image; as soon as the run starts, the canary is scaled to 6 as its HPA would under load, so the ticks
    /// that follow (at least two before WaitingPromotion) observe it.
    /// </summary>
    private async Task WaitingForPromotionAsync()
    {
        _env.Cluster.Seed(SampleApp.ConfigMap("test", "podinfo"));
        _env.Cluster.Seed(SampleApp.Deployment("test", "podinfo", SampleApp.DefaultImage, replicas: 2));
        _env.Cluster.Seed(new V2HorizontalPodAutoscaler
        {
            ApiVersion = "autoscaling/v2",
            Kind = "HorizontalPodAutoscaler",
            Metadata = new V1ObjectMeta { Name = "podinfo", NamespaceProperty = "test" },
            Spec = new V2HorizontalPodAutoscalerSpec
            {
                ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "podinfo" },
                MinReplicas = 2,
                MaxReplicas = 10,
                Metrics = [new V2MetricSpec { Type = "Resource", Resource = new V2ResourceMetricSource { Name = "cpu", Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = 80 } } }],
            },
        });
        _env.Cluster.Seed(new Canary
        {
            Metadata = new V1ObjectMeta { Name = "podinfo", NamespaceProperty = "test" },
            Spec = new CanarySpec
            {
                Provider = "gatewayapi:v1",
                TargetRef = new LocalObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "podinfo" },
                AutoscalerRef = new AutoscalerReference { ApiVersion = "autoscaling/v2", Kind = "HorizontalPodAutoscaler", Name = "podinfo" },
                Service = new CanaryService { Port = 9898, GatewayRefs = [new GatewayReference { Name = "public", Namespace = "gateway-system" }] },
                Analysis = new CanaryAnalysis
                {
                    Interval = "10s",
                    Threshold = 2,
                    StepWeight = 25,
                    MaxWeight = 50,
                    Webhooks =
                    [
                        new CanaryWebhook
                        {
                            Name = "approval",
                            Type = WebhookType.ConfirmPromotion,
                            Url = new Uri(_env.Http.BaseAddress!, "/api/gates/check?code=secret").ToString(),
                        },
                    ],
                },
            },
        });
        await UntilAsync(() => Canary.Status?.Phase == CanaryPhase.Initialized, TimeSpan.FromSeconds(90));
        Assert.Equal(2, Replicas("podinfo-primary"));

        var target = _env.Cluster.Get<V1Deployment>("test", "podinfo")!;
        target.Spec.Template.Spec.Containers[0].Image = "contosoacr.azurecr.io/podinfo:6.0.1";
        _env.Cluster.Seed(target);
        await UntilAsync(() => Canary.Status?.Phase == CanaryPhase.Progressing, TimeSpan.FromSeconds(90));
        Assert.Equal(2, Replicas("podinfo"));
        await ScaleCanaryAsync(6);
        await UntilAsync(() => Canary.Status?.Phase == CanaryPhase.WaitingPromotion, TimeSpan.FromSeconds(90));
        Assert.Equal(2, Replicas("podinfo-primary"));
    }

    /// <summary>As the canary's HPA would under load: <c>spec.replicas</c> through the API (the deployment simulation rolls it out).</summary>
    private async Task ScaleCanaryAsync(int replicas)
    {
        using var client = _env.Cluster.CreateClient();
        await client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("{\"spec\":{\"replicas\":" + replicas.ToString(CultureInfo.InvariantCulture) + "}}", V1Patch.PatchType.MergePatch), "podinfo", "test");
    }

    /// <summary>Writes to the route that give the primary all traffic, and to the primary's replicas, in request order.</summary>
    private List<(string What, int Value)> RouteAndPrimaryWrites() =>
        _env.Cluster.Requests.All
            .Where(r => r.IsWrite && r.Body.Length > 0)
            .Select(r => (Request: r, Body: JsonNode.Parse(r.Body)))
            .Select(r => r.Request.Path.EndsWith("/httproutes/podinfo", StringComparison.Ordinal)
                ? ("route", (int?)r.Body?["spec"]?["rules"]?.AsArray().Last()?["backendRefs"]?[0]?["weight"] ?? -1)
                : r.Request.Path.EndsWith("/deployments/podinfo-primary", StringComparison.Ordinal)
                    ? ("primary", (int?)r.Body?["spec"]?["replicas"] ?? -1)
                    : ("", 0))
            .Where(w => w.Item1.Length > 0)
            .ToList();

    private async Task UntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out; phase {Canary.Status?.Phase}, weight {Canary.Status?.CanaryWeight}; events: " +
                string.Join(" | ", _env.Cluster.List("v1", "Event", "test").Select(e => (string?)e["message"]).TakeLast(8)));
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task CanaryScaledUpByItsHpa_Promotion_ScalesThePrimaryBeforeTheRouteGivesItAllTraffic_AndEndsPromoted()
    {
        await WaitingForPromotionAsync();
        _env.Cluster.Requests.Clear();

        Assert.Equal(HttpStatusCode.Accepted, (await _env.Http.PostAsync("/api/canaries/test/podinfo/approve?gate=confirm-promotion", null)).StatusCode);
        await UntilAsync(() => Canary.Status?.Phase == CanaryPhase.Succeeded, TimeSpan.FromSeconds(90));

        var writes = RouteAndPrimaryWrites();
        var scaled = writes.FindIndex(w => w == ("primary", 8));
        var allToPrimary = writes.FindIndex(w => w == ("route", 100));
        Assert.True(scaled >= 0 && scaled < allToPrimary, "primary scaled to 8 before the route gave it 100: " + string.Join(", ", writes));
        Assert.Equal((8, 0), (Replicas("podinfo-primary"), Replicas("podinfo")));
        Assert.Equal("contosoacr.azurecr.io/podinfo:6.0.1", _env.Cluster.Get<V1Deployment>("test", "podinfo-primary")!.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal(2, PrimaryHpa.Spec.MinReplicas);
        Assert.Equal("podinfo-primary", PrimaryHpa.Spec.ScaleTargetRef.Name);
    }

    [Fact]
    public async Task CanaryScaledUpByItsHpa_Abort_ScalesThePrimaryUpBeforeTheRouteReturnsToIt()
    {
        await WaitingForPromotionAsync();
        _env.Cluster.Requests.Clear();

        Assert.Equal(HttpStatusCode.Accepted, (await _env.Http.PostAsync("/api/canaries/test/podinfo/abort", null)).StatusCode);
        await UntilAsync(() => Canary.Status?.Phase == CanaryPhase.Failed, TimeSpan.FromSeconds(60));

        var writes = RouteAndPrimaryWrites();
        var scaled = writes.FindIndex(w => w == ("primary", 8));
        var allToPrimary = writes.FindIndex(w => w == ("route", 100));
        Assert.True(scaled >= 0 && scaled < allToPrimary, "primary scaled to 8 before the route gave it 100: " + string.Join(", ", writes));
        Assert.Equal((8, 0), (Replicas("podinfo-primary"), Replicas("podinfo")));
        Assert.Equal(SampleApp.DefaultImage, _env.Cluster.Get<V1Deployment>("test", "podinfo-primary")!.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal(2, PrimaryHpa.Spec.MinReplicas);
    }
}
