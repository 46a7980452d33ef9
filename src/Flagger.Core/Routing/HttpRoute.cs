using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Flagger.Core.Routing;

/// <summary>
/// The <c>spec</c> of a Gateway API HTTPRoute, typed: the fields Flagger writes (spec §4.2–4.7) and the ones
/// it and the sandbox's gateway read back. Serialised by <see cref="ToJson"/> to the same camelCase JSON, with
/// unset (null) fields left out; fields not modelled here are dropped when a route is read.
/// </summary>
public sealed record RouteSpec
{
    public IReadOnlyList<RouteParentRef>? ParentRefs { get; init; }

    public IReadOnlyList<string>? Hostnames { get; init; }

    public IReadOnlyList<RouteRule>? Rules { get; init; }

    /// <summary>The route's <c>spec</c> as JSON, as it goes to the API server.</summary>
    public JsonObject ToJson() => JsonSerializer.SerializeToNode(this, RouteJsonContext.Default.RouteSpec)!.AsObject();

    /// <summary>A route's <c>spec</c> read from JSON; an empty spec when there is none.</summary>
    public static RouteSpec Parse(JsonNode? spec) =>
        spec is null ? new RouteSpec() : spec.Deserialize(RouteJsonContext.Default.RouteSpec) ?? new RouteSpec();
}

/// <summary>A parent (Gateway) the route attaches to: <c>spec.parentRefs[]</c>.</summary>
public sealed record RouteParentRef
{
    public string? Group { get; init; }

    public string? Kind { get; init; }

    public string? Namespace { get; init; }

    public string? Name { get; init; }

    public string? SectionName { get; init; }

    public int? Port { get; init; }
}

/// <summary>What an HTTPRoute and a GRPCRoute rule share: what it does to requests, and where it sends them.</summary>
public interface IRouteRule
{
    IReadOnlyList<RouteFilter>? Filters { get; }

    IReadOnlyList<RouteBackendRef>? BackendRefs { get; }
}

/// <summary>One rule: which requests it takes (<see cref="Matches"/>), what it does to them, and where it sends them.</summary>
public sealed record RouteRule : IRouteRule
{
    public IReadOnlyList<RouteMatch>? Matches { get; init; }

    public IReadOnlyList<RouteFilter>? Filters { get; init; }

    public RouteTimeouts? Timeouts { get; init; }

    public IReadOnlyList<RouteBackendRef>? BackendRefs { get; init; }
}

/// <summary>An HTTPRouteMatch: every condition set must hold.</summary>
public sealed record RouteMatch
{
    public RoutePathMatch? Path { get; init; }

    public IReadOnlyList<RouteValueMatch>? Headers { get; init; }

    public IReadOnlyList<RouteValueMatch>? QueryParams { get; init; }

    public string? Method { get; init; }
}

/// <summary>A path match: <c>Exact</c>, <c>PathPrefix</c> or <c>RegularExpression</c>.</summary>
public sealed record RoutePathMatch(string? Type, string? Value);

/// <summary>A header or query parameter match: <c>Exact</c> or <c>RegularExpression</c> on the named value.</summary>
public sealed record RouteValueMatch(string? Name, string? Type, string? Value);

/// <summary>
/// A rule or backend filter; <see cref="Type"/> names the one field set beside it. A GRPCRoute uses the same
/// shapes for the filters it has (header modifiers and <c>RequestMirror</c>).
/// </summary>
public sealed record RouteFilter
{
    public const string RequestMirrorType = "RequestMirror";

    public string? Type { get; init; }

    public RouteHeaderModifier? RequestHeaderModifier { get; init; }

    public RouteHeaderModifier? ResponseHeaderModifier { get; init; }

    public RouteUrlRewrite? UrlRewrite { get; init; }

    public RouteRequestMirror? RequestMirror { get; init; }

    public RouteCors? Cors { get; init; }

    /// <summary>Where a <c>RequestMirror</c> filter sends its copies; null for any other filter.</summary>
    [JsonIgnore]
    public RouteObjectRef? MirrorTarget => Type == RequestMirrorType ? RequestMirror?.BackendRef : null;
}

/// <summary>Headers a filter adds, sets and removes.</summary>
public sealed record RouteHeaderModifier
{
    public IReadOnlyList<RouteHeader>? Add { get; init; }

    public IReadOnlyList<RouteHeader>? Set { get; init; }

    public IReadOnlyList<string>? Remove { get; init; }
}

/// <summary>A header name and value.</summary>
public sealed record RouteHeader(string Name, string Value);

/// <summary>A <c>URLRewrite</c> filter: the host name and path the backend sees.</summary>
public sealed record RouteUrlRewrite
{
    public string? Hostname { get; init; }

    public RoutePathModifier? Path { get; init; }
}

/// <summary>A path rewrite: <c>ReplaceFullPath</c> or <c>ReplacePrefixMatch</c>, with the value of that name.</summary>
public sealed record RoutePathModifier
{
    public string? Type { get; init; }

    public string? ReplaceFullPath { get; init; }

    public string? ReplacePrefixMatch { get; init; }
}

/// <summary>
/// A <c>RequestMirror</c> filter: every request, or the share <see cref="Percent"/> (0–100) or
/// <see cref="Fraction"/> says (Gateway API 1.3, Standard channel); at most one of them is set.
/// </summary>
public sealed record RouteRequestMirror(RouteObjectRef? BackendRef)
{
    public int? Percent { get; init; }

    public RouteFraction? Fraction { get; init; }

    /// <summary>The share of requests mirrored, 0–1: <see cref="Percent"/>, else <see cref="Fraction"/>, else all of them.</summary>
    [JsonIgnore]
    public double Share => (Percent, Fraction) switch
    {
        ({ } percent, _) => Math.Clamp(percent, 0, 100) / 100.0,
        (null, { Denominator: null or > 0 } fraction) => Math.Clamp((double)fraction.Numerator / (fraction.Denominator ?? 100), 0, 1),
        (null, { }) => 0,
        _ => 1,
    };
}

/// <summary>A fraction of requests: <see cref="Numerator"/> out of <see cref="Denominator"/> (default 100).</summary>
public sealed record RouteFraction(int Numerator, int? Denominator);

/// <summary>A <c>CORS</c> filter.</summary>
public sealed record RouteCors
{
    public IReadOnlyList<string>? AllowOrigins { get; init; }

    public IReadOnlyList<string>? AllowMethods { get; init; }

    public IReadOnlyList<string>? AllowHeaders { get; init; }

    public IReadOnlyList<string>? ExposeHeaders { get; init; }

    public bool? AllowCredentials { get; init; }

    public int? MaxAge { get; init; }
}

/// <summary>A rule's <c>timeouts</c> (Go durations).</summary>
public sealed record RouteTimeouts
{
    public string? Request { get; init; }

    public string? BackendRequest { get; init; }
}

/// <summary>An object a route sends requests to (a BackendObjectReference); a Service when group and kind are unset.</summary>
public record RouteObjectRef
{
    public string? Group { get; init; }

    public string? Kind { get; init; }

    public string? Name { get; init; }

    public string? Namespace { get; init; }

    public int? Port { get; init; }

    /// <summary>Whether this names a core Service (empty group, kind <c>Service</c>, the Gateway API defaults).</summary>
    [JsonIgnore]
    public bool IsService => (Group ?? "") == "" && (Kind ?? "Service") == "Service";
}

/// <summary>A rule's backend: an object with the share of the rule's requests it gets, and its own filters.</summary>
public sealed record RouteBackendRef : RouteObjectRef
{
    [JsonPropertyOrder(1)]
    public int? Weight { get; init; }

    [JsonPropertyOrder(1)]
    public IReadOnlyList<RouteFilter>? Filters { get; init; }
}

/// <summary>The JSON shape of <see cref="RouteSpec"/>: camelCase names, nulls left out.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RouteSpec))]
[JsonSerializable(typeof(GrpcSpec))]
internal sealed partial class RouteJsonContext : JsonSerializerContext;
