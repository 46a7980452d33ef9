using System.Text.Json;
using System.Text.Json.Nodes;
using Flagger.Core.Model;

namespace Flagger.Core.Routing;

/// <summary>
/// The <c>spec</c> of a Gateway API GRPCRoute, typed. It shares parents, filters and backends with
/// <see cref="RouteSpec"/>; its matches name a gRPC service and method instead of a path, and it has no
/// <c>timeouts</c>. Serialised like <see cref="RouteSpec"/>: camelCase, unset (null) fields left out.
/// </summary>
public sealed record GrpcSpec
{
    public IReadOnlyList<RouteParentRef>? ParentRefs { get; init; }

    public IReadOnlyList<string>? Hostnames { get; init; }

    public IReadOnlyList<GrpcRule>? Rules { get; init; }

    /// <summary>The route's <c>spec</c> as JSON, as it goes to the API server.</summary>
    public JsonObject ToJson() => JsonSerializer.SerializeToNode(this, RouteJsonContext.Default.GrpcSpec)!.AsObject();

    /// <summary>A GRPCRoute's <c>spec</c> read from JSON; an empty spec when there is none.</summary>
    public static GrpcSpec Parse(JsonNode? spec) =>
        spec is null ? new GrpcSpec() : spec.Deserialize(RouteJsonContext.Default.GrpcSpec) ?? new GrpcSpec();
}

/// <summary>One GRPCRoute rule; a rule without matches takes every request.</summary>
public sealed record GrpcRule : IRouteRule
{
    public IReadOnlyList<GrpcMatch>? Matches { get; init; }

    public IReadOnlyList<RouteFilter>? Filters { get; init; }

    public IReadOnlyList<RouteBackendRef>? BackendRefs { get; init; }
}

/// <summary>A GRPCRouteMatch: the gRPC method (when set) and every header condition must hold.</summary>
public sealed record GrpcMatch
{
    public GrpcMethodMatch? Method { get; init; }

    public IReadOnlyList<RouteValueMatch>? Headers { get; init; }
}

/// <summary>
/// A gRPC method match: <c>Exact</c> or <c>RegularExpression</c> on the fully qualified service
/// (<c>package.Service</c>) and the method; an unset field matches any.
/// </summary>
public sealed record GrpcMethodMatch(string? Type, string? Service, string? Method)
{
    /// <summary>
    /// An Istio uri match read as the gRPC request path it is (<c>/package.Service/Method</c>): <c>exact</c>
    /// <c>/S/M</c> is method M of service S, <c>prefix</c> <c>/S/</c> (or <c>/S</c>) every method of S, and
    /// <c>prefix</c> <c>/</c> (or no uri) every method (<paramref name="match"/> null). False for any other
    /// form: a path regex or suffix, or a prefix that ends inside a name, has no GRPCRoute equivalent.
    /// </summary>
    public static bool TryFromPath(StringMatch? uri, out GrpcMethodMatch? match)
    {
        match = null;
        switch (uri)
        {
            case null:
                return true;
            case { Exact: { } exact, Prefix: null, Regex: null, Suffix: null }:
                var parts = exact.Split('/');
                if (parts is ["", { Length: > 0 } service, { Length: > 0 } method])
                {
                    match = new GrpcMethodMatch("Exact", service, method);
                    return true;
                }

                return false;
            case { Prefix: { } prefix, Exact: null, Regex: null, Suffix: null }:
                var segments = prefix.TrimEnd('/').Split('/');
                if (prefix == "/")
                {
                    return true;
                }

                if (segments is ["", { Length: > 0 } prefixService] && prefix.Count(c => c == '/') <= 2)
                {
                    match = new GrpcMethodMatch("Exact", prefixService, null);
                    return true;
                }

                return false;
            default:
                return false;
        }
    }
}
