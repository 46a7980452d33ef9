using System.Text.Json.Nodes;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Infrastructure.Tests.Support;
using Flagger.Testing.Kubernetes;
using k8s;
using k8s.Models;

namespace Flagger.Infrastructure.Tests.Kubernetes;

/// <summary>revertOnDeletion through the real adapters and KubernetesClient, against the fake API server's finalizers.</summary>
[Collection(FakeApiServerCollection.Name)]
public sealed class RevertOnDeletionTests(FakeApiServerFixture fixture)
{
    [Fact]
    public async Task Finalizer_RevertOnDeletion_IsPatchedInWithTheResourceVersionAndOthersKept()
    {
        var rollout = new ClusterRollout(fixture.FreshServer(), fixture.NewNamespace(), change: c =>
        {
            c.Spec.RevertOnDeletion = true;
            c.Metadata.Finalizers = ["example.com/other"];
        });
        var before = rollout.Canary.Metadata.ResourceVersion;

        await rollout.TickAsync();

        Assert.Equal(["example.com/other", CanaryFinalizer.Name], rollout.Canary.Metadata.Finalizers);
        var patch = Assert.Single(rollout.Server.Requests.All, r => r.Method == "PATCH" && r.Path == $"/apis/flagger.app/v1beta1/namespaces/{rollout.Namespace}/canaries/podinfo");
        Assert.Equal("application/merge-patch+json", patch.ContentType?.Split(';')[0]);
        Assert.Equal(before, JsonNode.Parse(patch.Body)!["metadata"]!["resourceVersion"]!.GetValue<string>());
    }

    [Fact]
    public async Task Finalizer_RevertOnDeletionTurnedOff_RemovesOnlyOurs()
    {
        var rollout = new ClusterRollout(fixture.FreshServer(), fixture.NewNamespace(), change: c =>
        {
            c.Spec.RevertOnDeletion = true;
            c.Metadata.Finalizers = ["example.com/other"];
        });
        await rollout.TickUntilAsync(CanaryPhase.Initialized);
        var canary = rollout.Canary;
        canary.Spec.RevertOnDeletion = false;
        rollout.Server.Seed(canary);

        await rollout.TickAsync();

        Assert.Equal(["example.com/other"], rollout.Canary.Metadata.Finalizers);
    }

    [Fact]
    public async Task Deletion_UserCreatedApexService_TargetScaledBackSelectorRevertedAndCanaryGone()
    {
        var server = fixture.FreshServer();
        var ns = fixture.NewNamespace();
        server.Seed(ApexService(ns));
        var rollout = new ClusterRollout(server, ns, change: c => c.Spec.RevertOnDeletion = true);
        await rollout.TickUntilAsync(CanaryPhase.Initialized);
        Assert.Equal((0, "podinfo-primary"), (rollout.Deployment("podinfo").Spec.Replicas, Apex(rollout).Spec.Selector["app"]));
        using var client = server.CreateClient();

        await client.CustomObjects.DeleteNamespacedCustomObjectAsync<JsonObject>(FlaggerApi.Group, FlaggerApi.Version, ns, Canary.KubePlural, "podinfo");
        await rollout.TickAsync();

        Assert.Equal(CanaryPhase.Terminating, rollout.Phase);
        Assert.Equal(2, rollout.Deployment("podinfo").Spec.Replicas);
        Assert.Equal("podinfo-primary", Apex(rollout).Spec.Selector["app"]);

        var last = await rollout.TickAsync();

        Assert.Contains("Terminated canary podinfo." + ns, last.EventMessages);
        Assert.Null(server.Get<Canary>(ns, "podinfo"));
        Assert.Equal(new Dictionary<string, string> { ["app"] = "podinfo" }, Apex(rollout).Spec.Selector);
        Assert.Equal(2, rollout.Deployment("podinfo").Spec.Replicas);
        Assert.Contains(server.Requests.All, r => r.Method == "PATCH" && r.Path.EndsWith("/canaries/podinfo/status", StringComparison.Ordinal)
            && r.Body.Contains("\"Terminated\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Deletion_ApexFromLastAppliedConfiguration_GetsThatSelectorBack()
    {
        var server = fixture.FreshServer();
        var ns = fixture.NewNamespace();
        var apex = ApexService(ns);
        apex.Metadata.Annotations = new Dictionary<string, string>
        {
            ["kubectl.kubernetes.io/last-applied-configuration"] = """{"apiVersion":"v1","kind":"Service","spec":{"selector":{"app":"podinfo","tier":"web"}}}""",
        };
        server.Seed(apex);
        var rollout = new ClusterRollout(server, ns, change: c => c.Spec.RevertOnDeletion = true);
        await rollout.TickUntilAsync(CanaryPhase.Initialized);


        await DeleteAndFinalizeAsync(rollout);

        Assert.Null(server.Get<Canary>(ns, "podinfo"));
        Assert.Equal(new Dictionary<string, string> { ["app"] = "podinfo", ["tier"] = "web" }, Apex(rollout).Spec.Selector);
    }

    [Fact]
    public async Task Deletion_GeneratedApexService_IsLeftForGarbageCollection()
    {
        var server = fixture.FreshServer();
        var ns = fixture.NewNamespace();
        var rollout = new ClusterRollout(server, ns, change: c => c.Spec.RevertOnDeletion = true);
        await rollout.TickUntilAsync(CanaryPhase.Initialized);

        await DeleteAndFinalizeAsync(rollout);

        Assert.Null(server.Get<Canary>(ns, "podinfo"));
        Assert.Equal("podinfo-primary", Apex(rollout).Spec.Selector["app"]);
        Assert.Equal(2, rollout.Deployment("podinfo").Spec.Replicas);
    }

    [Fact]
    public async Task Deletion_TargetNotReadyYet_KeepsTheFinalizerUntilItIs()
    {
        var server = fixture.FreshServer();
        var ns = fixture.NewNamespace();
        var rollout = new ClusterRollout(server, ns, change: c => c.Spec.RevertOnDeletion = true);
        await rollout.TickUntilAsync(CanaryPhase.Initialized);
        server.Deployments.Automatic = false;
        using var client = server.CreateClient();
        await client.CustomObjects.DeleteNamespacedCustomObjectAsync<JsonObject>(FlaggerApi.Group, FlaggerApi.Version, ns, Canary.KubePlural, "podinfo");

        await rollout.TickAsync();
        var waiting = await rollout.TickAsync();

        Assert.Contains(waiting.EventMessages, m => m.StartsWith($"podinfo.{ns} not ready", StringComparison.Ordinal));
        Assert.Equal([CanaryFinalizer.Name], rollout.Canary.Metadata.Finalizers);
        Assert.Equal(CanaryPhase.Terminating, rollout.Phase);

        server.Deployments.CompleteRollouts();
        await rollout.TickAsync();

        Assert.Null(server.Get<Canary>(ns, "podinfo"));
    }

    [Fact]
    public async Task Deletion_WithAKedaScaledObject_TargetScalerResumedAndTargetGetsItsMinimum()
    {
        var server = fixture.FreshServer();
        var ns = fixture.NewNamespace();
        server.Seed(new JsonObject
        {
            ["apiVersion"] = "keda.sh/v1alpha1",
            ["kind"] = "ScaledObject",
            ["metadata"] = new JsonObject { ["name"] = "podinfo", ["namespace"] = ns },
            ["spec"] = new JsonObject { ["scaleTargetRef"] = new JsonObject { ["name"] = "podinfo" }, ["minReplicaCount"] = 3, ["maxReplicaCount"] = 6 },
        });
        var rollout = new ClusterRollout(server, ns, change: c =>
        {
            c.Spec.RevertOnDeletion = true;
            c.Spec.AutoscalerRef = new AutoscalerReference { ApiVersion = "keda.sh/v1alpha1", Kind = "ScaledObject", Name = "podinfo" };
        });
        await rollout.TickUntilAsync(CanaryPhase.Initialized);
        Assert.Equal("0", (string?)server.Get("keda.sh/v1alpha1", "ScaledObject", ns, "podinfo")!["metadata"]!["annotations"]!["autoscaling.keda.sh/paused-replicas"]);

        await DeleteAndFinalizeAsync(rollout);

        Assert.Null(server.Get<Canary>(ns, "podinfo"));
        Assert.Equal(3, rollout.Deployment("podinfo").Spec.Replicas);
        Assert.Null(server.Get("keda.sh/v1alpha1", "ScaledObject", ns, "podinfo")!["metadata"]!["annotations"]?["autoscaling.keda.sh/paused-replicas"]);
    }

    [Fact]
    public async Task Deletion_WithAnHpa_TargetGetsTheHpaMinimum()
    {
        var server = fixture.FreshServer();
        var ns = fixture.NewNamespace();
        server.Seed(new V2HorizontalPodAutoscaler
        {
            ApiVersion = "autoscaling/v2",
            Kind = "HorizontalPodAutoscaler",
            Metadata = new V1ObjectMeta { Name = "podinfo", NamespaceProperty = ns },
            Spec = new V2HorizontalPodAutoscalerSpec
            {
                MinReplicas = 3,
                MaxReplicas = 6,
                ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "podinfo" },
            },
        });
        var rollout = new ClusterRollout(server, ns, change: c =>
        {
            c.Spec.RevertOnDeletion = true;
            c.Spec.AutoscalerRef = new AutoscalerReference { ApiVersion = "autoscaling/v2", Kind = "HorizontalPodAutoscaler", Name = "podinfo" };
        });
        await rollout.TickUntilAsync(CanaryPhase.Initialized);

        await DeleteAndFinalizeAsync(rollout);

        Assert.Null(server.Get<Canary>(ns, "podinfo"));
        Assert.Equal(3, rollout.Deployment("podinfo").Spec.Replicas);
    }

    private static V1Service Apex(ClusterRollout rollout) => rollout.Server.Get<V1Service>(rollout.Namespace, "podinfo")!;

    private static V1Service ApexService(string ns) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = "podinfo", NamespaceProperty = ns },
        Spec = new V1ServiceSpec
        {
            Selector = new Dictionary<string, string> { ["app"] = "podinfo" },
            Ports = [new V1ServicePort { Name = "http", Port = 9898, TargetPort = 9898, Protocol = "TCP" }],
        },
    };

    /// <summary>Deletes the Canary through the API, then runs the two ticks that restore the target and finalize.</summary>
    private static async Task DeleteAndFinalizeAsync(ClusterRollout rollout)
    {
        using var client = rollout.Server.CreateClient();
        await client.CustomObjects.DeleteNamespacedCustomObjectAsync<JsonObject>(FlaggerApi.Group, FlaggerApi.Version, rollout.Namespace, Canary.KubePlural, "podinfo");
        await rollout.TickAsync();
        await rollout.TickAsync();
    }
}
