using System.Text.Json.Nodes;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Routing;

namespace Flagger.Infrastructure.GatewayApi;

/// <summary>
/// The route a Canary's traffic goes through, as the router needs it: the kind and resource plural, and the
/// spec builder for a split. An HTTPRoute unless the Canary opts into a GRPCRoute (<see cref="RouteKind.Annotation"/>).
/// </summary>
public sealed record GatewayRoute(RouteKind RouteKind, Func<Canary, GatewayApiVersion, int, int, bool, SessionCookies?, JsonObject> BuildSpec)
{
    public static readonly GatewayRoute Http = new(RouteKind.Http, HttpRouteSpec.Build);

    // No session affinity on a GRPCRoute (validation rejects it): there are no cookies to build with.
    public static readonly GatewayRoute Grpc = new(RouteKind.Grpc, (canary, version, primary, canaryWeight, mirrored, _) =>
        GrpcRouteSpec.Build(canary, version, primary, canaryWeight, mirrored));

    public string Kind => RouteKind.Kind;

    public string Plural => RouteKind.Plural;

    public static GatewayRoute For(Canary canary) => RouteKind.Of(canary) == RouteKind.Grpc ? Grpc : Http;

    /// <summary>The route's spec for <paramref name="canary"/> at this split.</summary>
    public JsonObject Build(Canary canary, GatewayApiVersion version, int primaryWeight, int canaryWeight, bool mirrored, SessionCookies? cookies = null) =>
        BuildSpec(canary, version, primaryWeight, canaryWeight, mirrored, cookies);
}
