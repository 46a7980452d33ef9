using Flagger.Testing.Kubernetes;
using System.Text.Json.Nodes;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Infrastructure.Tests.Support;
using k8s;
using k8s.Models;
using Xunit.Abstractions;

namespace Flagger.Infrastructure.Tests.Kubernetes;

/// <summary>The tick over the real Kubernetes adapters and KubernetesClient, against the fake API server.</summary>
[Collection(FakeApiServerCollection.Name)]
public sealed class KubernetesRolloutTests(FakeApiServerFixture fixture, ITestOutputHelper output)
{
    private const string HttpRoutes = "gateway.networking.k8s.io";

    private static (int Primary, int Canary) Weights(JsonObject route)
    {
        var backends = route["spec"]!["rules"]!.AsArray().Last()!["backendRefs"]!.AsArray();
        return (backends[0]!["weight"]!.GetValue<int>(), backends[1]!["weight"]!.GetValue<int>());
    }

    private JsonObject Route(ClusterRollout rollout, string version = "v1") =>
        rollout.Server.Get($"{HttpRoutes}/{version}", "HTTPRoute", rollout.Namespace, "podinfo")!;

    [Fact]
    public async Task Initialization_CreatesPrimaryServicesRouteAndScalesTheTargetDown()
    {
        var rollout = new ClusterRollout(fixture.FreshServer(), fixture.NewNamespace());

        await rollout.TickUntilAsync(CanaryPhase.Initialized);

        var primary = rollout.Deployment("podinfo-primary");
        Assert.Equal("podinfo:1.0.0", primary.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal("podinfo-config-primary", primary.Spec.Template.Spec.Containers[0].EnvFrom[0].ConfigMapRef.Name);
        Assert.Equal("Canary", primary.Metadata.OwnerReferences.Single().Kind);
        Assert.Equal(0, rollout.Deployment("podinfo").Spec.Replicas);
        Assert.NotNull(rollout.Server.Get<V1ConfigMap>(rollout.Namespace, "podinfo-config-primary"));
        Assert.Equal("podinfo-primary", rollout.Server.Get<V1Service>(rollout.Namespace, "podinfo")!.Spec.Selector["app"]);
        Assert.Equal("podinfo-primary", rollout.Server.Get<V1Service>(rollout.Namespace, "podinfo-primary")!.Spec.Selector["app"]);
        Assert.Equal("podinfo", rollout.Server.Get<V1Service>(rollout.Namespace, "podinfo-canary")!.Spec.Selector["app"]);
        Assert.Equal((100, 0), Weights(Route(rollout)));
        Assert.Equal("True", rollout.Canary.Status!.Promoted!.Status);
    }

    [Theory]
    [InlineData("gatewayapi:v1", "v1")]
    [InlineData("gatewayapi:v1beta1", "v1beta1")]
    [InlineData("gatewayapi:v1alpha2", "v1alpha2")]
    public async Task NewImage_FullRollout_WeightsStepThenPrimaryRunsItAndCanaryScalesToZero(string provider, string version)
    {
        var rollout = new ClusterRollout(fixture.FreshServer(), fixture.NewNamespace(), provider);
        await rollout.TickUntilAsync(CanaryPhase.Initialized);

        rollout.SetImage("podinfo:2.0.0");
        var seen = new List<(int, int)>();
        for (var i = 0; i < 20 && rollout.Phase != CanaryPhase.Succeeded; i++)
        {
            await rollout.TickAsync();
            var weights = Weights(Route(rollout, version));
            if (seen.Count == 0 || seen[^1] != weights)
            {
                seen.Add(weights);
            }
        }

        Assert.Equal(CanaryPhase.Succeeded, rollout.Phase);
        Assert.Equal([(100, 0), (75, 25), (50, 50), (100, 0)], seen);
        Assert.Equal("podinfo:2.0.0", rollout.Deployment("podinfo-primary").Spec.Template.Spec.Containers[0].Image);
        Assert.Equal(0, rollout.Deployment("podinfo").Spec.Replicas);
        Assert.Equal($"{HttpRoutes}/{version}", (string?)Route(rollout, version)["apiVersion"]);
    }

    [Fact]
    public async Task FailingMetric_RollsBack_PrimaryUntouchedAndStatusFailed()
    {
        var rollout = new ClusterRollout(fixture.FreshServer(), fixture.NewNamespace());
        await rollout.TickUntilAsync(CanaryPhase.Initialized);
        rollout.SetImage("podinfo:2.0.0");
        await rollout.TickUntilAsync(CanaryPhase.Progressing);
        rollout.SuccessRate = 50;

        await rollout.TickUntilAsync(CanaryPhase.Failed);

        Assert.Equal("podinfo:1.0.0", rollout.Deployment("podinfo-primary").Spec.Template.Spec.Containers[0].Image);
        Assert.Equal((100, 0), Weights(Route(rollout)));
        Assert.Equal(0, rollout.Deployment("podinfo").Spec.Replicas);
        Assert.Equal("False", rollout.Canary.Status!.Promoted!.Status);
        var events = rollout.Server.List("v1", "Event", rollout.Namespace);
        Assert.Contains(events, e => ((string?)e["message"])!.StartsWith("Rolling back podinfo", StringComparison.Ordinal) && (string?)e["type"] == "Warning" && (string?)e["reason"] == "Synced");
    }

    [Fact]
    public async Task SteadyStateTick_ObserveAndWeightChange_CostsAFewApiCalls()
    {
        var rollout = new ClusterRollout(fixture.FreshServer(), fixture.NewNamespace());
        await rollout.TickUntilAsync(CanaryPhase.Initialized);
        rollout.SetImage("podinfo:2.0.0");
        await rollout.TickUntilAsync(CanaryPhase.Progressing);
        await rollout.TickAsync();
        var before = rollout.Server.Requests.All.Count;

        var decision = await rollout.TickAsync();

        var calls = rollout.Server.Requests.All.Skip(before).Where(r => !r.Path.Contains("/events", StringComparison.Ordinal)).ToList();
        output.WriteLine($"{calls.Count} API calls (events aside): {string.Join(", ", calls.Select(c => $"{c.Method} {c.Path}"))}");
        Assert.Contains(decision.Actions, a => a is SetRoutes { CanaryWeight: 50 });
        // Canary, target, its one tracked ConfigMap, primary, route, then the guarded route patch and the status:
        // six calls plus one per tracked config.
        Assert.Equal(7, calls.Count);
    }

    [Fact]
    public async Task HandEditedRoute_IsRebuiltWithAllTrafficOnThePrimary()
    {
        var rollout = new ClusterRollout(fixture.FreshServer(), fixture.NewNamespace());
        await rollout.TickUntilAsync(CanaryPhase.Initialized);
        rollout.SetImage("podinfo:2.0.0");
        await rollout.TickUntilAsync(CanaryPhase.Progressing);
        await rollout.TickAsync();
        Assert.Equal((75, 25), Weights(Route(rollout)));
        var route = Route(rollout);
        route["spec"]!["hostnames"] = new JsonArray("hijacked.example.com");
        await rollout.Server.CreateClient().CustomObjects.ReplaceNamespacedCustomObjectAsync(route, HttpRoutes, "v1", rollout.Namespace, "httproutes", "podinfo");

        await rollout.TickAsync();

        var rebuilt = Route(rollout);
        Assert.Equal("""["podinfo.example.com"]""", rebuilt["spec"]!["hostnames"]!.ToJsonString());
        Assert.Equal((100, 0), Weights(rebuilt));
    }

    [Fact]
    public async Task MissingGatewayParent_TickStopsWithAClearMessageAndNoFailedCheck()
    {
        var server = fixture.FreshServer();
        var rollout = new ClusterRollout(server, fixture.NewNamespace());
        await rollout.TickUntilAsync(CanaryPhase.Initialized);
        server.Gateway.MarkParentMissing("public");
        rollout.SetImage("podinfo:2.0.0");
        await rollout.TickUntilAsync(CanaryPhase.Progressing);
        await rollout.TickAsync();

        var decisions = new[] { await rollout.TickAsync(), await rollout.TickAsync() };

        Assert.All(decisions, d => Assert.Contains(d.EventMessages, m =>
            m.StartsWith($"HTTPRoute podinfo.{rollout.Namespace} parent gateway-system/public is not ready: NoMatchingParent", StringComparison.Ordinal)));
        Assert.Equal((75, 25), Weights(Route(rollout)));
        Assert.Equal(0, rollout.Canary.Status!.FailedChecks);
    }

    [Fact]
    public async Task ConflictsOnTheRoute_AreRetriedAfterAReRead()
    {
        var server = fixture.FreshServer();
        var rollout = new ClusterRollout(server, fixture.NewNamespace());
        await rollout.TickUntilAsync(CanaryPhase.Initialized);
        rollout.SetImage("podinfo:2.0.0");
        await rollout.TickUntilAsync(CanaryPhase.Progressing);
        var routes = $"/apis/{HttpRoutes}/v1/namespaces/{rollout.Namespace}/httproutes";
        server.Faults.Fail(409, "PATCH", routes, times: 1);
        server.Faults.Fail(409, "PUT", routes, times: 1);

        await rollout.TickAsync();

        Assert.Equal((75, 25), Weights(Route(rollout)));
        Assert.Equal(25, rollout.Canary.Status!.CanaryWeight);
    }

    [Fact]
    public async Task ConflictStorm_FailsTheTickBeforeTheStatusIsWritten()
    {
        var server = fixture.FreshServer();
        var rollout = new ClusterRollout(server, fixture.NewNamespace());
        await rollout.TickUntilAsync(CanaryPhase.Initialized);
        rollout.SetImage("podinfo:2.0.0");
        await rollout.TickUntilAsync(CanaryPhase.Progressing);
        var status = rollout.Canary.Status!;
        var routes = $"/apis/{HttpRoutes}/v1/namespaces/{rollout.Namespace}/httproutes";
        server.Faults.Fail(409, "PATCH", routes, times: 10);
        server.Faults.Fail(409, "PUT", routes, times: 10);

        await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(rollout.TickAsync);

        Assert.Equal((100, 0), Weights(Route(rollout)));
        Assert.Equal(status.CanaryWeight, rollout.Canary.Status!.CanaryWeight);
        server.Faults.Clear();
        await rollout.TickAsync();
        Assert.Equal((75, 25), Weights(Route(rollout)));
    }

    [Fact]
    public async Task ServerError_OnTheStatusWrite_SurfacesAndTheNextTickConverges()
    {
        var server = fixture.FreshServer();
        var rollout = new ClusterRollout(server, fixture.NewNamespace());
        await rollout.TickUntilAsync(CanaryPhase.Initialized);
        rollout.SetImage("podinfo:2.0.0");
        server.Faults.Fail(500, "PATCH", $"/apis/flagger.app/v1beta1/namespaces/{rollout.Namespace}/canaries/podinfo/status");

        await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(rollout.TickAsync);
        Assert.Equal(CanaryPhase.Initialized, rollout.Phase);

        await rollout.TickAsync();
        Assert.Equal(CanaryPhase.Progressing, rollout.Phase);
    }

    [Fact]
    public async Task TargetWithoutSelectorLabel_ReportsTheProblemAndCreatesNothing()
    {
        var server = fixture.FreshServer();
        var ns = fixture.NewNamespace();
        var rollout = new ClusterRollout(server, ns);
        var target = rollout.Deployment("podinfo");
        target.Spec.Selector.MatchLabels = new Dictionary<string, string> { ["tier"] = "web" };
        target.Spec.Template.Metadata.Labels = new Dictionary<string, string> { ["tier"] = "web" };
        server.Seed(target);

        var decision = await rollout.TickAsync();

        Assert.Contains(decision.EventMessages, m => m.Contains("spec.selector.matchLabels must contain one of app, name, app.kubernetes.io/name", StringComparison.Ordinal));
        Assert.Null(server.Get<V1Deployment>(ns, "podinfo-primary"));
    }

    [Fact]
    public async Task RepeatedEvent_BumpsTheCountOfOneEvent()
    {
        var server = fixture.FreshServer();
        server.Deployments.Automatic = false;
        var rollout = new ClusterRollout(server, fixture.NewNamespace());

        await rollout.TickAsync();
        await rollout.TickAsync();
        await rollout.TickAsync();

        var notReady = server.List("v1", "Event", rollout.Namespace)
            .Where(e => ((string?)e["message"])!.StartsWith("podinfo-primary.", StringComparison.Ordinal)).ToList();
        Assert.Single(notReady);
        Assert.Equal(3, notReady[0]["count"]!.GetValue<int>());
    }
}
