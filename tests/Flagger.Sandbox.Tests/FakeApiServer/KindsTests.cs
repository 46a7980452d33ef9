using Flagger.Testing.Kubernetes;
using Flagger.Core.Model;
using Flagger.Sandbox.Kubernetes;
using k8s;
using k8s.Models;

namespace Flagger.Sandbox.Tests.FakeApiServer;

/// <summary>The other kinds the adapters use, through the calls they will make.</summary>
[Collection(FakeApiServerCollection.Name)]
public sealed class KindsTests(FakeApiServerFixture fixture)
{
    private readonly FakeKubernetesApiServer _server = fixture.FreshServer();
    private readonly string _ns = fixture.NewNamespace();

    [Fact]
    public async Task HorizontalPodAutoscalerV2_CreateAndReplace_BumpsGenerationAndKeepsMetrics()
    {
        var client = _server.CreateClient();
        var hpa = new V2HorizontalPodAutoscaler
        {
            Metadata = new V1ObjectMeta { Name = "podinfo-primary" },
            Spec = new V2HorizontalPodAutoscalerSpec
            {
                ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "podinfo-primary" },
                MinReplicas = 2,
                MaxReplicas = 4,
                Metrics = [new V2MetricSpec { Type = "Resource", Resource = new V2ResourceMetricSource { Name = "cpu", Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = 80 } } }],
            },
        };

        var created = await client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(hpa, _ns);
        created.Spec.MaxReplicas = 6;
        var replaced = await client.AutoscalingV2.ReplaceNamespacedHorizontalPodAutoscalerAsync(created, "podinfo-primary", _ns);

        Assert.Equal((2L, 6), (replaced.Metadata.Generation!.Value, replaced.Spec.MaxReplicas));
        Assert.Equal(80, Assert.Single(replaced.Spec.Metrics).Resource.Target.AverageUtilization);
    }

    [Fact]
    public async Task KedaScaledObject_CreatePatchAndStatus_KeepsTriggersAndPausedAnnotation()
    {
        var client = _server.CreateClient();
        var scaledObject = new Dictionary<string, object>
        {
            ["apiVersion"] = "keda.sh/v1alpha1",
            ["kind"] = "ScaledObject",
            ["metadata"] = new Dictionary<string, object> { ["name"] = "podinfo" },
            ["spec"] = new Dictionary<string, object>
            {
                ["scaleTargetRef"] = new Dictionary<string, object> { ["name"] = "podinfo" },
                ["minReplicaCount"] = 2,
                ["maxReplicaCount"] = 6,
                ["triggers"] = new[]
                {
                    new Dictionary<string, object>
                    {
                        ["type"] = "prometheus",
                        ["metadata"] = new Dictionary<string, object> { ["query"] = "sum(rate(http_requests_total{app=\"podinfo\"}[1m]))", ["threshold"] = "10" },
                    },
                },
            },
        };

        await client.CustomObjects.CreateNamespacedCustomObjectAsync(scaledObject, "keda.sh", "v1alpha1", _ns, "scaledobjects");
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"metadata":{"annotations":{"autoscaling.keda.sh/paused-replicas":"0"}}}""", V1Patch.PatchType.MergePatch),
            "keda.sh", "v1alpha1", _ns, "scaledobjects", "podinfo");
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"scaleTargetKind":"apps/v1.Deployment"}}""", V1Patch.PatchType.MergePatch),
            "keda.sh", "v1alpha1", _ns, "scaledobjects", "podinfo");
        var read = System.Text.Json.JsonSerializer.SerializeToNode(
            await client.CustomObjects.GetNamespacedCustomObjectAsync("keda.sh", "v1alpha1", _ns, "scaledobjects", "podinfo"))!;

        Assert.Equal("0", read["metadata"]!["annotations"]!["autoscaling.keda.sh/paused-replicas"]!.GetValue<string>());
        Assert.Equal("10", read["spec"]!["triggers"]![0]!["metadata"]!["threshold"]!.GetValue<string>());
        Assert.Equal(6, read["spec"]!["maxReplicaCount"]!.GetValue<int>());
        Assert.Equal("apps/v1.Deployment", read["status"]!["scaleTargetKind"]!.GetValue<string>());
        Assert.Equal(1, read["metadata"]!["generation"]!.GetValue<int>());
    }

    [Fact]
    public async Task Events_CreateAndList_ByFieldAndLabel()
    {
        var client = _server.CreateClient();
        var synced = new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = "podinfo.synced-1", Labels = new Dictionary<string, string> { ["app"] = "podinfo" } },
            InvolvedObject = new V1ObjectReference { ApiVersion = "flagger.app/v1beta1", Kind = "Canary", Name = "podinfo", NamespaceProperty = _ns },
            Reason = "Synced",
            Message = "Advance podinfo.test canary weight 10",
            Type = "Normal",
            Count = 1,
        };

        await client.CoreV1.CreateNamespacedEventAsync(synced, _ns);
        var listed = await client.CoreV1.ListNamespacedEventAsync(_ns, fieldSelector: "metadata.name=podinfo.synced-1", labelSelector: "app=podinfo");

        var read = Assert.Single(listed.Items);
        Assert.Equal(("Synced", 1, "Canary"), (read.Reason, read.Count, read.InvolvedObject.Kind));
    }

    [Fact]
    public async Task Events_FieldSelectorOnInvolvedObject_ListsThatObjectsEventsOnly()
    {
        var client = _server.CreateClient();
        Corev1Event EventFor(string name, string uid) => new()
        {
            Metadata = new V1ObjectMeta { Name = name + ".1" },
            InvolvedObject = new V1ObjectReference { ApiVersion = "flagger.app/v1beta1", Kind = "Canary", Name = name, NamespaceProperty = _ns, Uid = uid },
            Reason = "Synced",
            Type = "Normal",
        };
        await client.CoreV1.CreateNamespacedEventAsync(EventFor("podinfo", "uid-1"), _ns);
        await client.CoreV1.CreateNamespacedEventAsync(EventFor("other", "uid-2"), _ns);

        var listed = await client.CoreV1.ListNamespacedEventAsync(_ns,
            fieldSelector: $"involvedObject.name=podinfo,involvedObject.namespace={_ns},involvedObject.kind=Canary,involvedObject.uid=uid-1");
        var notOther = await client.CoreV1.ListNamespacedEventAsync(_ns, fieldSelector: "involvedObject.name!=other,type=Normal");

        Assert.Equal("podinfo.1", Assert.Single(listed.Items).Metadata.Name);
        Assert.Equal("podinfo.1", Assert.Single(notOther.Items).Metadata.Name);
    }

    [Theory]
    [InlineData("/api/v1/namespaces/{0}/events?fieldSelector=spec.x%3D1", "field label not supported: spec.x")]
    [InlineData("/apis/flagger.app/v1beta1/namespaces/{0}/canaries?fieldSelector=spec.x%3D1", "\"spec.x\" is not a known field selector")]
    [InlineData("/api/v1/namespaces/{0}/configmaps?fieldSelector=metadata.name%20in%20(a)", "invalid selector")]
    public async Task List_UnsupportedFieldSelector_Returns400Status(string path, string message)
    {
        using var http = _server.CreateHttpClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _server.Token);

        using var response = await http.GetAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, path, _ns));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        var status = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("BadRequest", status["reason"]!.GetValue<string>());
        Assert.Contains(message, status["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TypedCanary_GenericClientAndSeedHelpers_RoundTripSpecAndStatus()
    {
        using var client = _server.CreateClient();
        using var canaries = new GenericClient(client, "flagger.app", "v1beta1", "canaries", disposeClient: false);
        var canary = new Canary { Metadata = new V1ObjectMeta { Name = "podinfo", NamespaceProperty = _ns } };
        canary.Spec.TargetRef.Name = "podinfo";

        await canaries.CreateNamespacedAsync(canary, _ns);
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"phase":"Progressing","canaryWeight":20}}""", V1Patch.PatchType.MergePatch), "flagger.app", "v1beta1", _ns, "canaries", "podinfo");
        var read = await canaries.ReadNamespacedAsync<Canary>(_ns, "podinfo");
        var viaHelper = _server.Get<Canary>(_ns, "podinfo")!;

        Assert.Equal("podinfo", read.Spec.TargetRef.Name);
        Assert.Equal(20, read.Status!.CanaryWeight);
        Assert.Equal(read.Metadata.ResourceVersion, viaHelper.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task AcceptRoutes_PendingDeploymentRollout_LeavesRolloutPending()
    {
        _server.Deployments.Automatic = false;
        _server.Gateway.Automatic = false;
        var client = _server.CreateClient();
        await client.AppsV1.CreateNamespacedDeploymentAsync(Objects.Deployment(_ns, "podinfo"), _ns);

        _server.Gateway.AcceptRoutes();
        var read = await client.AppsV1.ReadNamespacedDeploymentAsync("podinfo", _ns);

        Assert.Null(read.Status);
        Assert.True(_server.Deployments.PendingRollouts > 0);
    }
}
