using System.Text.Json.Nodes;
using Flagger.Core.Model;
using Flagger.Core.Routing;

namespace Flagger.Infrastructure.GatewayApi;

/// <summary>
/// The route a Canary's traffic goes through, as the router needs it: the kind and resource plural, and the
/// spec builder for a split. An HTTPRoute unless the Canary opts into a GRPCRoute (<see cref="RouteKind.Annotation"/>).
/// </summary>
public sealed record GatewayRoute(RouteKind RouteKind, Func<Canary, GatewayApiVersion, int, int, bool, JsonObject> BuildSpec)
{
    public static readonly GatewayRoute Http = new(RouteKind.Http, HttpRouteSpec.Build);

    public static readonly GatewayRoute Grpc = new(RouteKind.Grpc, GrpcRouteSpec.Build);

    public string Kind => RouteKind.Kind;

    public string Plural => RouteKind.Plural;

    public static GatewayRoute For(Canary canary) => RouteKind.Of(canary) == RouteKind.Grpc ? Grpc : Http;

    /// <summary>The route's spec for <paramref name="canary"/> at this split.</summary>
    public JsonObject Build(Canary canary, GatewayApiVersion version, int primaryWeight, int canaryWeight, bool mirrored) =>
        BuildSpec(canary, version, primaryWeight, canaryWeight, mirrored);
}
