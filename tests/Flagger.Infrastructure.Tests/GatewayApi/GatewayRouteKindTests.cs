using System.Text.Json.Nodes;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Infrastructure.GatewayApi;
using Flagger.Infrastructure.Tests.Support;
using Flagger.Testing.Kubernetes;

namespace Flagger.Infrastructure.Tests.GatewayApi;

/// <summary>
/// The router with the real KubernetesClient against the fake API server: a GRPCRoute canary gets a GRPCRoute
/// (and no HTTPRoute), whose split is written and read back like an HTTPRoute's; the mirror percent round trips.
/// </summary>
[Collection(FakeApiServerCollection.Name)]
public sealed class GatewayRouteKindTests(FakeApiServerFixture fixture)
{
    private const string Group = "gateway.networking.k8s.io";

    private static Canary InNamespace(Canary canary, string ns)
    {
        canary.Metadata.NamespaceProperty = ns;
        return canary;
    }

    private static async Task<RouteObservation> SyncUntilReadyAsync(GatewayApiRouter router, Canary canary)
    {
        var observation = await router.SyncAsync(canary, CancellationToken.None);
        // The gateway simulation accepts the created route on the next request; the second read sees it.
        return observation.IsReady ? observation : await router.SyncAsync(canary, CancellationToken.None);
    }

    [Fact]
    public async Task Sync_GrpcRouteCanary_CreatesAGrpcRouteOwnedByTheCanary_AndNoHttpRoute()
    {
        var server = fixture.FreshServer();
        var ns = fixture.NewNamespace();
        using var client = server.CreateClient(TimeSpan.FromSeconds(5));
        var router = new GatewayApiRouter(client);
        var canary = InNamespace(GrpcRouteSpecTests.Grpc(), ns);

        var observation = await SyncUntilReadyAsync(router, canary);

        var route = server.Get($"{Group}/v1", "GRPCRoute", ns, "podinfo");
        Assert.NotNull(route);
        Assert.Null(server.Get($"{Group}/v1", "HTTPRoute", ns, "podinfo"));
        Assert.Equal("Canary", (string?)route["metadata"]!["ownerReferences"]![0]!["kind"]);
        Assert.True(JsonNode.DeepEquals(GrpcRouteSpec.Build(canary, GatewayApiVersion.V1, 100, 0, false), route["spec"]));
        Assert.Equal((true, 100, 0, false), (observation.IsReady, observation.PrimaryWeight, observation.CanaryWeight, observation.Mirrored));
    }

    [Fact]
    public async Task SetRoutes_GrpcRoute_WeightsAreWrittenAndReadBack()
    {
        var server = fixture.FreshServer();
        var ns = fixture.NewNamespace();
        using var client = server.CreateClient(TimeSpan.FromSeconds(5));
        var router = new GatewayApiRouter(client);
        var canary = InNamespace(GrpcRouteSpecTests.Grpc(), ns);
        var first = await SyncUntilReadyAsync(router, canary);

        await router.SetRoutesAsync(canary, new SetRoutes(70, 30, false), first.Version, CancellationToken.None);
        var observation = await SyncUntilReadyAsync(router, canary);

        Assert.Equal((true, 70, 30, false), (observation.IsReady, observation.PrimaryWeight, observation.CanaryWeight, observation.Mirrored));
        var backends = server.Get($"{Group}/v1", "GRPCRoute", ns, "podinfo")!["spec"]!["rules"]![0]!["backendRefs"]!.AsArray();
        Assert.Equal([70, 30], backends.Select(b => b!["weight"]!.GetValue<int>()));
    }

    [Fact]
    public async Task SetRoutes_GrpcRouteStaleVersion_FallsBackToReadAndReplace()
    {
        var server = fixture.FreshServer();
        var ns = fixture.NewNamespace();
        using var client = server.CreateClient(TimeSpan.FromSeconds(5));
        var router = new GatewayApiRouter(client);
        var canary = InNamespace(GrpcRouteSpecTests.Grpc(), ns);
        await SyncUntilReadyAsync(router, canary);

        await router.SetRoutesAsync(canary, new SetRoutes(50, 50, false), "1", CancellationToken.None);

        var observation = await SyncUntilReadyAsync(router, canary);
        Assert.Equal((50, 50), (observation.PrimaryWeight, observation.CanaryWeight));
    }

    [Theory]
    [InlineData("GRPCRoute")]
    [InlineData("HTTPRoute")]
    public async Task SetRoutes_BlueGreenMirrorWeight_PercentIsWrittenAndTheRouteReadsBackMirrored(string kind)
    {
        var server = fixture.FreshServer();
        var ns = fixture.NewNamespace();
        using var client = server.CreateClient(TimeSpan.FromSeconds(5));
        var router = new GatewayApiRouter(client);
        var canary = InNamespace(kind == "HTTPRoute" ? HttpRouteSpecTests.Podinfo() : GrpcRouteSpecTests.Grpc(), ns);
        GrpcRouteSpecTests.BlueGreen(canary, mirror: true, mirrorWeight: 40);
        var first = await SyncUntilReadyAsync(router, canary);

        await router.SetRoutesAsync(canary, new SetRoutes(100, 0, true), first.Version, CancellationToken.None);
        var observation = await SyncUntilReadyAsync(router, canary);

        Assert.Equal((true, 100, 0, true), (observation.IsReady, observation.PrimaryWeight, observation.CanaryWeight, observation.Mirrored));
        var route = server.Get($"{Group}/v1", kind, ns, "podinfo")!;
        Assert.Equal(40, route["spec"]!["rules"]![0]!["filters"]![0]!["requestMirror"]!["percent"]!.GetValue<int>());
    }
}
