using Flagger.Core.Model;
using Flagger.Core.Routing;

namespace Flagger.Infrastructure.GatewayApi;

/// <summary>
/// A route the user owns and the Canary attaches to (<c>spec.routeRef</c> of kind HTTPRoute or GRPCRoute, no
/// <c>service.gatewayRefs</c>), instead of the HTTPRoute Flagger generates.
/// </summary>
public sealed record UserRoute(string Kind, string Version, string Plural, string Namespace, string Name)
{
    public bool IsGrpc => Kind == RouteKind.GrpcRouteKind;

    /// <summary>The user's route of <paramref name="canary"/>, or null when Flagger generates the route.</summary>
    public static UserRoute? Of(Canary canary)
    {
        ArgumentNullException.ThrowIfNull(canary);
        if (!RouteKind.IsUserRoute(canary))
        {
            return null;
        }

        var reference = canary.Spec.RouteRef!;

        var version = GatewayApiVersion.ForProvider(canary.Spec.Provider);
        return reference.Kind switch
        {
            RouteKind.HttpRouteKind => new UserRoute(RouteKind.HttpRouteKind, version.Version, RouteKind.Http.Plural, canary.Metadata.NamespaceProperty, reference.Name),

            // GRPCRoute has no v1beta1: it is served as v1 (GA since Gateway API 1.1) and as v1alpha2.
            RouteKind.GrpcRouteKind => new UserRoute(RouteKind.GrpcRouteKind, version == GatewayApiVersion.V1Alpha2 ? "v1alpha2" : "v1", RouteKind.Grpc.Plural, canary.Metadata.NamespaceProperty, reference.Name),
            _ => null,
        };
    }

    public override string ToString() => $"{Kind} {Name}.{Namespace}";
}
