namespace Flagger.Core.Model;

/// <summary>The kinds of a user's own route that <c>spec.routeRef</c> can attach a Canary to (gateway.networking.k8s.io).</summary>
public static class RouteRefKinds
{
    public const string HttpRoute = "HTTPRoute";
    public const string GrpcRoute = "GRPCRoute";
}
