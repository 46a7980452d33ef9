using System.Text.Json.Nodes;
using Flagger.Core.Model;
using Flagger.Core.Routing;
using Flagger.Infrastructure.Tests.Support;
using Flagger.Testing.Kubernetes;

namespace Flagger.Infrastructure.Tests.Kubernetes;

/// <summary>A GRPCRoute canary through the real tick, adapters and KubernetesClient, against the fake API server.</summary>
[Collection(FakeApiServerCollection.Name)]
public sealed class GrpcRouteRolloutTests(FakeApiServerFixture fixture)
{
    private const string Group = "gateway.networking.k8s.io/v1";

    private static void OptIn(Canary canary) =>
        canary.Metadata.Annotations = new Dictionary<string, string> { [RouteKind.Annotation] = "GRPCRoute" };

    private static JsonObject? Route(ClusterRollout rollout, string kind) => rollout.Server.Get(Group, kind, rollout.Namespace, "podinfo");

    private static (int Primary, int Canary) Weights(JsonObject route)
    {
        var backends = route["spec"]!["rules"]!.AsArray().Last()!["backendRefs"]!.AsArray();
        return (backends[0]!["weight"]!.GetValue<int>(), backends[1]!["weight"]!.GetValue<int>());
    }

    [Fact]
    public async Task NewImage_GrpcRouteCanary_WeightsStepOnTheGrpcRouteThenPromotes()
    {
        var rollout = new ClusterRollout(fixture.FreshServer(), fixture.NewNamespace(), change: OptIn);
        await rollout.TickUntilAsync(CanaryPhase.Initialized);

        rollout.SetImage("podinfo:2.0.0");
        var seen = new List<(int, int)>();
        for (var i = 0; i < 20 && rollout.Phase != CanaryPhase.Succeeded; i++)
        {
            await rollout.TickAsync();
            var weights = Weights(Route(rollout, "GRPCRoute")!);
            if (seen.Count == 0 || seen[^1] != weights)
            {
                seen.Add(weights);
            }
        }

        Assert.Equal(CanaryPhase.Succeeded, rollout.Phase);
        Assert.Equal([(100, 0), (75, 25), (50, 50), (100, 0)], seen);
        Assert.Equal("podinfo:2.0.0", rollout.Deployment("podinfo-primary").Spec.Template.Spec.Containers[0].Image);
        Assert.Null(Route(rollout, "HTTPRoute"));
        Assert.Equal("GRPCRoute", (string?)Route(rollout, "GRPCRoute")!["kind"]);
    }

    [Fact]
    public async Task NewImage_GrpcRouteBlueGreenMirror_MirrorsTheMirrorWeightThenSwitches()
    {
        var rollout = new ClusterRollout(fixture.FreshServer(), fixture.NewNamespace(), change: c =>
        {
            OptIn(c);
            c.Spec.Analysis!.StepWeight = null;
            c.Spec.Analysis.MaxWeight = null;
            c.Spec.Analysis.Iterations = 3;
            c.Spec.Analysis.Mirror = true;
            c.Spec.Analysis.MirrorWeight = 25;
        });
        await rollout.TickUntilAsync(CanaryPhase.Initialized);

        rollout.SetImage("podinfo:2.0.0");
        var mirroredPercents = new List<int?>();
        for (var i = 0; i < 20 && rollout.Phase != CanaryPhase.Succeeded; i++)
        {
            await rollout.TickAsync();
            var filters = Route(rollout, "GRPCRoute")!["spec"]!["rules"]![0]!["filters"];
            mirroredPercents.Add(filters?[0]?["requestMirror"]?["percent"]?.GetValue<int>());
        }

        Assert.Equal(CanaryPhase.Succeeded, rollout.Phase);
        Assert.Contains(25, mirroredPercents);
        Assert.Equal((100, 0), Weights(Route(rollout, "GRPCRoute")!));
        Assert.Null(Route(rollout, "GRPCRoute")!["spec"]!["rules"]![0]!["filters"]);
    }
}
