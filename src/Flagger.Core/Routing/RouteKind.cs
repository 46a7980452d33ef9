using Flagger.Core.Model;

namespace Flagger.Core.Routing;

/// <summary>
/// The kind of Gateway API route a Canary's traffic goes through: an HTTPRoute (Flagger's, the default) or,
/// opted into per Canary with <see cref="Annotation"/>, a GRPCRoute.
/// </summary>
public sealed record RouteKind(string Kind, string Plural)
{
    /// <summary>On the Canary: <c>HTTPRoute</c> (the default) or <c>GRPCRoute</c>.</summary>
    public const string Annotation = "flagger-functions.io/route-kind";

    public const string HttpRouteKind = "HTTPRoute";

    public const string GrpcRouteKind = "GRPCRoute";

    public static readonly RouteKind Http = new(HttpRouteKind, "httproutes");

    public static readonly RouteKind Grpc = new(GrpcRouteKind, "grpcroutes");

    /// <summary>
    /// The Canary attaches to a route of the user's own (<c>spec.routeRef</c> to an HTTPRoute or GRPCRoute, no
    /// <c>service.gatewayRefs</c>) instead of the one Flagger generates.
    /// </summary>
    public static bool IsUserRoute(Canary canary)
    {
        ArgumentNullException.ThrowIfNull(canary);
        return canary.Spec.RouteRef is { Kind: HttpRouteKind or GrpcRouteKind } && canary.Spec.Service.GatewayRefs is not { Count: > 0 };
    }

    /// <summary>The kind the annotation names (HTTPRoute without it); false for any other value.</summary>
    public static bool TryOf(Canary canary, out RouteKind kind)
    {
        ArgumentNullException.ThrowIfNull(canary);
        kind = Http;
        if (canary.Metadata?.Annotations?.TryGetValue(Annotation, out var raw) != true)
        {
            return true;
        }

        switch (raw!.Trim())
        {
            case HttpRouteKind:
                return true;
            case GrpcRouteKind:
                kind = Grpc;
                return true;
            default:
                return false;
        }
    }

    /// <summary>The kind the annotation names; validation rejects other values before a Canary gets here.</summary>
    public static RouteKind Of(Canary canary) => TryOf(canary, out var kind)
        ? kind
        : throw new InvalidOperationException($"annotation {Annotation} must be HTTPRoute or GRPCRoute");
}
