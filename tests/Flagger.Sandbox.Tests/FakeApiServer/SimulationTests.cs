using Flagger.Testing.Kubernetes;
using System.Text.Json;
using Flagger.Sandbox.Kubernetes;
using k8s;
using k8s.Models;

namespace Flagger.Sandbox.Tests.FakeApiServer;

[Collection(FakeApiServerCollection.Name)]
public sealed class SimulationTests(FakeApiServerFixture fixture)
{
    private const string Group = "gateway.networking.k8s.io";

    private readonly FakeKubernetesApiServer _server = fixture.FreshServer();
    private readonly string _ns = fixture.NewNamespace();

    [Fact]
    public async Task DeploymentRollout_DefaultSettings_ReadyOnNextRead()
    {
        var client = _server.CreateClient();
        var created = await client.AppsV1.CreateNamespacedDeploymentAsync(Objects.Deployment(_ns, "podinfo", replicas: 3), _ns);

        var read = await client.AppsV1.ReadNamespacedDeploymentAsync("podinfo", _ns);

        Assert.Null(created.Status);
        var status = read.Status;
        Assert.Equal((1L, 3, 3, 3, 3), (status.ObservedGeneration!.Value, status.Replicas!.Value, status.UpdatedReplicas!.Value, status.ReadyReplicas!.Value, status.AvailableReplicas!.Value));
        Assert.Contains(status.Conditions, c => c is { Type: "Available", Status: "True", Reason: "MinimumReplicasAvailable" });
        Assert.Contains(status.Conditions, c => c is { Type: "Progressing", Status: "True", Reason: "NewReplicaSetAvailable" });
    }

    [Fact]
    public async Task DeploymentRollout_SpecChangeInManualMode_WaitsForCompleteRollouts()
    {
        var client = _server.CreateClient();
        await client.AppsV1.CreateNamespacedDeploymentAsync(Objects.Deployment(_ns, "podinfo"), _ns);
        await client.AppsV1.ReadNamespacedDeploymentAsync("podinfo", _ns);
        _server.Deployments.Automatic = false;

        await client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch("""{"spec":{"replicas":4}}""", V1Patch.PatchType.MergePatch), "podinfo", _ns);
        var pending = await client.AppsV1.ReadNamespacedDeploymentAsync("podinfo", _ns);
        _server.Deployments.CompleteRollouts();
        var done = await client.AppsV1.ReadNamespacedDeploymentAsync("podinfo", _ns);

        Assert.Equal((2L, 1L, 2), (pending.Metadata.Generation!.Value, pending.Status.ObservedGeneration!.Value, pending.Status.AvailableReplicas!.Value));
        Assert.Equal((2L, 4), (done.Status.ObservedGeneration!.Value, done.Status.AvailableReplicas!.Value));
    }

    [Fact]
    public async Task DeploymentRollout_BrokenPredicateAndCompleteRollouts_DeadlineExceededAtOnce()
    {
        _server.Deployments.Automatic = false;
        _server.Deployments.IsBrokenImage = image => image.EndsWith(":6.6.6", StringComparison.Ordinal);
        var client = _server.CreateClient();
        await client.AppsV1.CreateNamespacedDeploymentAsync(Objects.Deployment(_ns, "podinfo", image: "podinfo:6.6.6"), _ns);

        _server.Deployments.CompleteRollouts();
        var status = (await client.AppsV1.ReadNamespacedDeploymentAsync("podinfo", _ns)).Status;

        Assert.Contains(status.Conditions, c => c is { Type: "Progressing", Status: "False", Reason: "ProgressDeadlineExceeded" });
        Assert.Equal(0, _server.Deployments.PendingRollouts);
    }

    [Fact]
    public async Task DeploymentRollout_ScaledToZero_ReportsNoReplicas()
    {
        var client = _server.CreateClient();
        await client.AppsV1.CreateNamespacedDeploymentAsync(Objects.Deployment(_ns, "podinfo", image: "podinfo:broken"), _ns);

        await client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch("""{"spec":{"replicas":0}}""", V1Patch.PatchType.MergePatch), "podinfo", _ns);
        var status = (await client.AppsV1.ReadNamespacedDeploymentAsync("podinfo", _ns)).Status;

        Assert.Equal(2L, status.ObservedGeneration);
        Assert.Equal(0, (status.Replicas ?? 0) + (status.UpdatedReplicas ?? 0) + (status.AvailableReplicas ?? 0) + (status.ReadyReplicas ?? 0));
        Assert.Contains(status.Conditions, c => c is { Type: "Available", Status: "True" });
    }

    [Fact]
    public async Task DeploymentSeededWithStatus_NoSpecChange_KeepsSeededStatus()
    {
        var deployment = Objects.Deployment(_ns, "podinfo");
        deployment.Status = new V1DeploymentStatus { ObservedGeneration = 1, Replicas = 2, UnavailableReplicas = 2 };
        _server.Seed(deployment);
        var client = _server.CreateClient();

        var read = await client.AppsV1.ReadNamespacedDeploymentAsync("podinfo", _ns);

        Assert.Equal(2, read.Status.UnavailableReplicas);
        Assert.Null(read.Status.AvailableReplicas);
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v1beta1")]
    [InlineData("v1alpha2")]
    public async Task HttpRouteSpecChange_GatewaySimulation_ParentsAcceptedWithObservedGeneration(string version)
    {
        var client = _server.CreateClient();
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(
            Objects.HttpRoute($"{Group}/{version}", _ns, "podinfo", "public", "internal"), Group, version, _ns, "httproutes");

        await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"spec":{"hostnames":["new.example.com"]}}""", V1Patch.PatchType.MergePatch), Group, version, _ns, "httproutes", "podinfo");
        var route = JsonSerializer.SerializeToNode(await client.CustomObjects.GetNamespacedCustomObjectAsync(Group, version, _ns, "httproutes", "podinfo"))!;

        var parents = route["status"]!["parents"]!.AsArray();
        Assert.Equal(["public", "internal"], parents.Select(p => p!["parentRef"]!["name"]!.GetValue<string>()));
        foreach (var parent in parents)
        {
            Assert.Equal("example.net/gateway", parent!["controllerName"]!.GetValue<string>());
            var accepted = Assert.Single(parent["conditions"]!.AsArray())!;
            Assert.Equal(("Accepted", "True", "Accepted", 2), (
                accepted["type"]!.GetValue<string>(), accepted["status"]!.GetValue<string>(),
                accepted["reason"]!.GetValue<string>(), accepted["observedGeneration"]!.GetValue<int>()));
        }
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v1alpha2")]
    public async Task GrpcRouteCreated_GatewaySimulation_ParentsAcceptedAndVersionsShareTheObject(string version)
    {
        var client = _server.CreateClient();
        var grpcRoute = Objects.HttpRoute($"{Group}/{version}", _ns, "grpcinfo", "public");
        grpcRoute["kind"] = "GRPCRoute";
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(grpcRoute, Group, version, _ns, "grpcroutes");

        var route = JsonSerializer.SerializeToNode(await client.CustomObjects.GetNamespacedCustomObjectAsync(Group, "v1", _ns, "grpcroutes", "grpcinfo"))!;
        var httpRoutes = JsonSerializer.SerializeToNode(await client.CustomObjects.ListNamespacedCustomObjectAsync(Group, "v1", _ns, "httproutes"))!;

        Assert.Equal(("GRPCRoute", $"{Group}/v1"), (route["kind"]!.GetValue<string>(), route["apiVersion"]!.GetValue<string>()));
        var accepted = Assert.Single(Assert.Single(route["status"]!["parents"]!.AsArray())!["conditions"]!.AsArray())!;
        Assert.Equal(("Accepted", "True", 1), (accepted["type"]!.GetValue<string>(), accepted["status"]!.GetValue<string>(), accepted["observedGeneration"]!.GetValue<int>()));
        Assert.Empty(httpRoutes["items"]!.AsArray());
    }

    [Fact]
    public async Task HttpRoute_MissingParentInManualMode_NoMatchingParentAfterAcceptRoutes()
    {
        _server.Gateway.Automatic = false;
        _server.Gateway.MarkParentMissing("gone");
        var client = _server.CreateClient();
        await client.CustomObjects.CreateNamespacedCustomObjectAsync(
            Objects.HttpRoute($"{Group}/v1", _ns, "podinfo", "public", "gone"), Group, "v1", _ns, "httproutes");

        var before = _server.Get($"{Group}/v1", "HTTPRoute", _ns, "podinfo")!;
        _server.Gateway.AcceptRoutes();
        var after = _server.Get($"{Group}/v1", "HTTPRoute", _ns, "podinfo")!;

        Assert.Null(before["status"]);
        var conditions = after["status"]!["parents"]!.AsArray().Select(p => p!["conditions"]![0]!).ToList();
        Assert.Equal(["True", "False"], conditions.Select(c => c["status"]!.GetValue<string>()));
        Assert.Equal("NoMatchingParent", conditions[1]["reason"]!.GetValue<string>());
    }
}
