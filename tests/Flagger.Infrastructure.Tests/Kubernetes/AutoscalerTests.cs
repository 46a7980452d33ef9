using System.Text.Json.Nodes;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Infrastructure.Kubernetes;
using Flagger.Infrastructure.Tests.Support;
using Flagger.Sandbox.Kubernetes;
using Flagger.Testing.Kubernetes;
using k8s;
using k8s.Models;

namespace Flagger.Infrastructure.Tests.Kubernetes;

/// <summary>
/// <c>spec.autoscalerRef</c> through the real adapters against the fake API server (spec §3.4, §3.8): the primary
/// HPA or KEDA ScaledObject copy, the paused KEDA target between runs, and the primary pre-scale before traffic
/// moves back to it. No HPA or KEDA controller runs: the tests scale the Deployments as one would.
/// </summary>
[Collection(FakeApiServerCollection.Name)]
public sealed class AutoscalerTests(FakeApiServerFixture fixture)
{
    private const string Keda = "keda.sh/v1alpha1";
    private const string RequestsQuery = "sum(rate(http_requests_total{deployment=\"podinfo\"}[1m]))";

    private static Action<Canary> Hpa(Action<AutoscalerReference>? change = null) => c =>
    {
        c.Spec.AutoscalerRef = new AutoscalerReference { ApiVersion = "autoscaling/v2", Kind = "HorizontalPodAutoscaler", Name = "podinfo" };
        change?.Invoke(c.Spec.AutoscalerRef);
    };

    private static Action<Canary> ScaledObject(Action<AutoscalerReference>? change = null) => c =>
    {
        c.Spec.AutoscalerRef = new AutoscalerReference { ApiVersion = Keda, Kind = "ScaledObject", Name = "podinfo" };
        change?.Invoke(c.Spec.AutoscalerRef);
    };

    private static void SeedHpa(ClusterRollout rollout, int min = 2, int max = 10) =>
        rollout.Server.Seed(new V2HorizontalPodAutoscaler
        {
            ApiVersion = "autoscaling/v2",
            Kind = "HorizontalPodAutoscaler",
            Metadata = new V1ObjectMeta { Name = "podinfo", NamespaceProperty = rollout.Namespace },
            Spec = new V2HorizontalPodAutoscalerSpec
            {
                ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "podinfo" },
                MinReplicas = min,
                MaxReplicas = max,
                Metrics = [new V2MetricSpec { Type = "Resource", Resource = new V2ResourceMetricSource { Name = "cpu", Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = 80 } } }],
            },
        });

    private static void SeedScaledObject(ClusterRollout rollout, int? min = 4, string hpaName = "podinfo-hpa")
    {
        var scaledObject = new JsonObject
        {
            ["apiVersion"] = Keda,
            ["kind"] = "ScaledObject",
            ["metadata"] = new JsonObject
            {
                ["name"] = "podinfo",
                ["namespace"] = rollout.Namespace,
                ["labels"] = new JsonObject { ["team"] = "web", ["kustomize.toolkit.fluxcd.io/name"] = "apps" },
            },
            ["spec"] = new JsonObject
            {
                ["scaleTargetRef"] = new JsonObject { ["name"] = "podinfo" },
                ["minReplicaCount"] = min,
                ["maxReplicaCount"] = 10,
                ["initialCooldownPeriod"] = 30,
                ["advanced"] = new JsonObject { ["horizontalPodAutoscalerConfig"] = new JsonObject { ["name"] = hpaName } },
                ["triggers"] = new JsonArray(
                    new JsonObject
                    {
                        ["name"] = "requests",
                        ["type"] = "prometheus",
                        ["metadata"] = new JsonObject { ["query"] = RequestsQuery, ["threshold"] = "10" },
                    },
                    new JsonObject
                    {
                        ["name"] = "errors",
                        ["type"] = "prometheus",
                        ["metadata"] = new JsonObject { ["query"] = "sum(rate(errors{deployment=\"podinfo-canary\"}[1m]))", ["threshold"] = "1" },
                    }),
            },
        };
        if (min is null)
        {
            scaledObject["spec"]!.AsObject().Remove("minReplicaCount");
        }

        rollout.Server.Seed(scaledObject);
    }

    private static JsonObject Scaler(ClusterRollout rollout, string name) =>
        rollout.Server.Get(Keda, "ScaledObject", rollout.Namespace, name)!;

    private static V2HorizontalPodAutoscaler PrimaryHpa(ClusterRollout rollout) =>
        rollout.Server.Get<V2HorizontalPodAutoscaler>(rollout.Namespace, "podinfo-primary")!;

    /// <summary>As an HPA would: a merge patch of <c>spec.replicas</c> through the API, so the deployment simulation rolls it out.</summary>
    private static Task ScaleDeploymentAsync(ClusterRollout rollout, string name, int replicas) =>
        rollout.Server.CreateClient().AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch("{\"spec\":{\"replicas\":" + replicas.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}}", V1Patch.PatchType.MergePatch), name, rollout.Namespace);

    private static (int Primary, int Canary)? RouteWeights(RecordedRequest request)
    {
        if (!request.IsWrite || !request.Path.Contains("/httproutes/", StringComparison.Ordinal))
        {
            return null;
        }

        var backends = JsonNode.Parse(request.Body)!["spec"]!["rules"]!.AsArray().Last()!["backendRefs"]!.AsArray();
        return (backends[0]!["weight"]!.GetValue<int>(), backends[1]!["weight"]!.GetValue<int>());
    }

    private static int? PrimaryReplicasWritten(RecordedRequest request) =>
        request.IsWrite && request.Path.EndsWith("/deployments/podinfo-primary", StringComparison.Ordinal)
            ? (int?)JsonNode.Parse(request.Body)?["spec"]?["replicas"]
            : null;

    [Fact]
    public async Task ScaledObject_Initialization_CreatesThePrimaryCopyWithQueriesAndReplicasOverridden_AndPausesTheTarget()
    {
        var rollout = new ClusterRollout(fixture.FreshServer(), fixture.NewNamespace(), change: ScaledObject(r =>
        {
            r.PrimaryScalerQueries = new Dictionary<string, string> { ["requests"] = "sum(rate(http_requests_total{deployment=\"podinfo-primary\"}[1m]))" };
            r.PrimaryScalerReplicas = new ScalerReplicas { MinReplicas = 3, MaxReplicas = 12 };
        }));
        SeedScaledObject(rollout);

        await rollout.TickUntilAsync(CanaryPhase.Initialized);

        var primary = Scaler(rollout, "podinfo-primary");
        var spec = primary["spec"]!;
        Assert.Equal("podinfo-primary", (string?)spec["scaleTargetRef"]!["name"]);
        Assert.Equal("sum(rate(http_requests_total{deployment=\"podinfo-primary\"}[1m]))", (string?)spec["triggers"]![0]!["metadata"]!["query"]);
        Assert.Equal("10", (string?)spec["triggers"]![0]!["metadata"]!["threshold"]);
        Assert.Equal("sum(rate(errors{deployment=\"podinfo-canary\"}[1m]))", (string?)spec["triggers"]![1]!["metadata"]!["query"]);
        Assert.Equal((3, 12, 30), ((int)spec["minReplicaCount"]!, (int)spec["maxReplicaCount"]!, (int)spec["initialCooldownPeriod"]!));
        Assert.Equal("podinfo-hpa-primary", (string?)spec["advanced"]!["horizontalPodAutoscalerConfig"]!["name"]);
        Assert.Equal(("Canary", "podinfo", true), ((string?)primary["metadata"]!["ownerReferences"]![0]!["kind"], (string?)primary["metadata"]!["ownerReferences"]![0]!["name"], (bool)primary["metadata"]!["ownerReferences"]![0]!["controller"]!));
        Assert.Equal(["team"], primary["metadata"]!["labels"]!.AsObject().Select(l => l.Key));
        Assert.Null(primary["metadata"]!["annotations"]?[PrimaryScaledObject.PausedReplicasAnnotation]);
        Assert.Equal("0", (string?)Scaler(rollout, "podinfo")["metadata"]!["annotations"]![PrimaryScaledObject.PausedReplicasAnnotation]);
        Assert.Equal(0, rollout.Deployment("podinfo").Spec.Replicas);
    }

    [Fact]
    public async Task ScaledObject_WithoutPrimaryScalerQueries_QueriesNameThePrimaryForTargetAndCanary()
    {
        var rollout = new ClusterRollout(fixture.FreshServer(), fixture.NewNamespace(), change: ScaledObject());
        SeedScaledObject(rollout);

        await rollout.TickUntilAsync(CanaryPhase.Initialized);

        var triggers = Scaler(rollout, "podinfo-primary")["spec"]!["triggers"]!.AsArray();
        Assert.Equal("sum(rate(http_requests_total{deployment=\"podinfo-primary\"}[1m]))", (string?)triggers[0]!["metadata"]!["query"]);
        Assert.Equal("sum(rate(errors{deployment=\"podinfo-primary\"}[1m]))", (string?)triggers[1]!["metadata"]!["query"]);
    }

    [Fact]
    public async Task ScaledObject_NewRun_ResumesTheTargetFromMinReplicaCount_PrimaryCopyChangesOnlyAtPromotion_ThenPausedAgain()
    {
        var rollout = new ClusterRollout(fixture.FreshServer(), fixture.NewNamespace(), change: ScaledObject());
        SeedScaledObject(rollout, min: 4);
        await rollout.TickUntilAsync(CanaryPhase.Initialized);
        var target = Scaler(rollout, "podinfo");
        target["spec"]!["maxReplicaCount"] = 20;
        rollout.Server.Seed(target);
        rollout.SetImage("podinfo:2.0.0");

        await rollout.TickUntilAsync(CanaryPhase.Progressing);

        Assert.Null(Scaler(rollout, "podinfo")["metadata"]!["annotations"]?[PrimaryScaledObject.PausedReplicasAnnotation]);
        Assert.Equal(4, rollout.Deployment("podinfo").Spec.Replicas);
        Assert.Equal(10, (int)Scaler(rollout, "podinfo-primary")["spec"]!["maxReplicaCount"]!);

        await rollout.TickUntilAsync(CanaryPhase.Succeeded);

        Assert.Equal(20, (int)Scaler(rollout, "podinfo-primary")["spec"]!["maxReplicaCount"]!);
        Assert.Equal("0", (string?)Scaler(rollout, "podinfo")["metadata"]!["annotations"]![PrimaryScaledObject.PausedReplicasAnnotation]);
        Assert.Equal(0, rollout.Deployment("podinfo").Spec.Replicas);
    }

    [Fact]
    public async Task ScaledObject_MinReplicaCountOfOneOrNone_ScalesTheTargetUpToOne()
    {
        var rollout = new ClusterRollout(fixture.FreshServer(), fixture.NewNamespace(), change: ScaledObject());
        SeedScaledObject(rollout, min: null);
        await rollout.TickUntilAsync(CanaryPhase.Initialized);
        rollout.SetImage("podinfo:2.0.0");

        await rollout.TickUntilAsync(CanaryPhase.Progressing);

        Assert.Equal(1, rollout.Deployment("podinfo").Spec.Replicas);
    }

    [Fact]
    public async Task MissingTargetAutoscaler_IsAProblemNamingIt()
    {
        var rollout = new ClusterRollout(fixture.FreshServer(), fixture.NewNamespace(), change: Hpa());

        var decision = await rollout.TickAsync();

        Assert.Contains($"HorizontalPodAutoscaler podinfo.{rollout.Namespace} not found", decision.EventMessages);
        Assert.Null(rollout.Server.Get<V1Deployment>(rollout.Namespace, "podinfo-primary"));
    }

    [Fact]
    public async Task Hpa_Promotion_ScalesThePrimaryAndHoldsItsHpaMinimum_BeforeTheRouteGivesIt100_ThenReleases()
    {
        var rollout = await ProgressingWithTheCanaryScaledUpAsync();
        rollout.Server.Requests.Clear();

        await rollout.TickUntilAsync(CanaryPhase.Promoting);

        Assert.Equal(8, rollout.Deployment("podinfo-primary").Spec.Replicas);
        Assert.Equal(8, PrimaryHpa(rollout).Spec.MinReplicas);
        Assert.Equal("2", PrimaryHpa(rollout).Metadata.Annotations[PrimaryPreScale.HeldAnnotation]);

        await rollout.TickUntilAsync(CanaryPhase.Succeeded);

        var requests = rollout.Server.Requests.All.ToList();
        var scaled = requests.FindIndex(r => PrimaryReplicasWritten(r) == 8);
        var toPrimary = requests.FindIndex(r => RouteWeights(r) == (100, 0));
        Assert.InRange(scaled, 0, toPrimary - 1);
        Assert.Equal(2, PrimaryHpa(rollout).Spec.MinReplicas);
        Assert.False(PrimaryHpa(rollout).Metadata.Annotations?.ContainsKey(PrimaryPreScale.HeldAnnotation) ?? false);
        Assert.Equal((8, 0), (rollout.Deployment("podinfo-primary").Spec.Replicas, rollout.Deployment("podinfo").Spec.Replicas));
    }

    [Fact]
    public async Task Hpa_Promotion_RouteWaitsUntilTheScaledPrimaryIsReady()
    {
        var rollout = await ProgressingWithTheCanaryScaledUpAsync();
        rollout.Server.Deployments.CompleteRollouts();
        rollout.Server.Deployments.Automatic = false;
        await rollout.TickUntilAsync(CanaryPhase.Promoting);
        rollout.Server.Requests.Clear();

        var waiting = await rollout.TickAsync();

        Assert.Equal(CanaryPhase.Promoting, rollout.Phase);
        Assert.DoesNotContain(rollout.Server.Requests.All, r => RouteWeights(r) is not null);
        Assert.Contains(waiting.EventMessages, m => m.StartsWith($"podinfo-primary.{rollout.Namespace} not ready", StringComparison.Ordinal));

        rollout.Server.Deployments.CompleteRollouts();
        await rollout.TickAsync();

        Assert.Equal(CanaryPhase.Finalising, rollout.Phase);
        Assert.Contains(rollout.Server.Requests.All, r => RouteWeights(r) == (100, 0));
    }

    [Fact]
    public async Task Hpa_Rollback_ScalesThePrimaryUpBeforeTheRoute_WithoutHoldingItsMinimum()
    {
        var rollout = await ProgressingWithTheCanaryScaledUpAsync();
        await rollout.TickAsync(); // the first analysis tick: weight 25
        rollout.SuccessRate = 10;
        rollout.Server.Requests.Clear();

        await rollout.TickUntilAsync(CanaryPhase.Failed);

        var requests = rollout.Server.Requests.All.ToList();
        var scaled = requests.FindIndex(r => PrimaryReplicasWritten(r) == 8);
        var toPrimary = requests.FindIndex(r => RouteWeights(r) == (100, 0));
        Assert.InRange(scaled, 0, toPrimary - 1);
        Assert.Equal(2, PrimaryHpa(rollout).Spec.MinReplicas);
        Assert.Equal(0, rollout.Deployment("podinfo").Spec.Replicas);
    }

    [Fact]
    public async Task PreScale_NeverScalesThePrimaryDown_NorLowersAHigherMinimum()
    {
        var rollout = new ClusterRollout(fixture.FreshServer(), fixture.NewNamespace(), change: Hpa());
        SeedHpa(rollout, min: 5, max: 10);
        await rollout.TickUntilAsync(CanaryPhase.Initialized);
        await ScaleDeploymentAsync(rollout, "podinfo-primary", 7);

        await rollout.Cluster.ScalePrimaryUpAsync(rollout.Canary, 3, holdMinimum: true, CancellationToken.None);

        Assert.Equal(7, rollout.Deployment("podinfo-primary").Spec.Replicas);
        Assert.Equal(5, PrimaryHpa(rollout).Spec.MinReplicas);

        await rollout.Cluster.ReleasePrimaryScalerAsync(rollout.Canary, CancellationToken.None);

        Assert.Equal(5, PrimaryHpa(rollout).Spec.MinReplicas);
        Assert.False(PrimaryHpa(rollout).Metadata.Annotations?.ContainsKey(PrimaryPreScale.HeldAnnotation) ?? false);
    }

    [Fact]
    public async Task PreScale_OnAScaledObjectWithoutMinimum_HoldsMinReplicaCount_AndTheReleaseRemovesIt_TwiceAlike()
    {
        var rollout = new ClusterRollout(fixture.FreshServer(), fixture.NewNamespace(), change: ScaledObject());
        SeedScaledObject(rollout, min: null);
        await rollout.TickUntilAsync(CanaryPhase.Initialized);

        await rollout.Cluster.ScalePrimaryUpAsync(rollout.Canary, 6, holdMinimum: true, CancellationToken.None);
        await rollout.Cluster.ScalePrimaryUpAsync(rollout.Canary, 6, holdMinimum: true, CancellationToken.None);

        var held = Scaler(rollout, "podinfo-primary");
        Assert.Equal(6, (int)held["spec"]!["minReplicaCount"]!);
        Assert.Equal("", (string?)held["metadata"]!["annotations"]![PrimaryPreScale.HeldAnnotation]);
        Assert.Equal(6, rollout.Deployment("podinfo-primary").Spec.Replicas);

        await rollout.Cluster.ReleasePrimaryScalerAsync(rollout.Canary, CancellationToken.None);
        await rollout.Cluster.ReleasePrimaryScalerAsync(rollout.Canary, CancellationToken.None);

        var released = Scaler(rollout, "podinfo-primary");
        Assert.Null(released["spec"]!["minReplicaCount"]);
        Assert.Null(released["metadata"]!["annotations"]?[PrimaryPreScale.HeldAnnotation]);
        Assert.Equal(6, rollout.Deployment("podinfo-primary").Spec.Replicas);
    }

    /// <summary>
    /// An HPA canary (min 2, max 10) whose new run is Progressing, the primary at 2 replicas and the canary scaled
    /// from its 2 to 6 as its HPA would under load.
    /// </summary>
    private async Task<ClusterRollout> ProgressingWithTheCanaryScaledUpAsync()
    {
        var rollout = new ClusterRollout(fixture.FreshServer(), fixture.NewNamespace(), change: Hpa());
        SeedHpa(rollout, min: 2, max: 10);
        await rollout.TickUntilAsync(CanaryPhase.Initialized);
        rollout.SetImage("podinfo:2.0.0");
        await rollout.TickUntilAsync(CanaryPhase.Progressing);
        Assert.Equal(2, rollout.Deployment("podinfo").Spec.Replicas);
        await ScaleDeploymentAsync(rollout, "podinfo", 6);
        return rollout;
    }
}
