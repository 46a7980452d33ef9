using System.Text.Json.Nodes;
using Flagger.Core.Model;
using Flagger.Core.Routing;
using Flagger.Core.Workloads;

namespace Flagger.Infrastructure.GatewayApi;

/// <summary>
/// The GRPCRoute spec generated for a canary that opts in with <see cref="RouteKind.Annotation"/>: the
/// HTTPRoute's rules (spec §4.2, §4.5, §4.7) in GRPCRoute terms. A uri match becomes a gRPC method match
/// (<see cref="GrpcMethodMatch.TryFromPath"/>); what a GRPCRoute cannot express (query, HTTP method, rewrite,
/// CORS, timeouts, session cookies) is rejected by validation, so it never gets here. Pure, like
/// <see cref="HttpRouteSpec"/>.
/// </summary>
public static class GrpcRouteSpec
{
    /// <summary>The spec as JSON, as it goes to the API server (<see cref="Model"/> serialised).</summary>
    public static JsonObject Build(Canary canary, GatewayApiVersion version, int primaryWeight, int canaryWeight, bool mirrored) =>
        Model(canary, version, primaryWeight, canaryWeight, mirrored).ToJson();

    /// <summary>The typed spec for the split: <paramref name="primaryWeight"/>/<paramref name="canaryWeight"/>, mirrored or not.</summary>
    public static GrpcSpec Model(Canary canary, GatewayApiVersion version, int primaryWeight, int canaryWeight, bool mirrored)
    {
        ArgumentNullException.ThrowIfNull(canary);
        var service = canary.Spec.Service;
        var analysis = canary.Analysis;
        var apex = WorkloadNames.ServiceName(canary);
        var primaryService = WorkloadNames.PrimaryServiceName(apex);
        var canaryService = WorkloadNames.CanaryServiceName(apex);
        var serviceMatches = ServiceMatches(service);

        RouteBackendRef Backend(string name, int weight) =>
            new() { Group = "", Kind = "Service", Name = name, Port = service.Port, Weight = weight };

        GrpcRule Rule(IReadOnlyList<GrpcMatch> matches, IReadOnlyList<RouteBackendRef> backends, IReadOnlyList<RouteFilter>? extraFilters = null)
        {
            List<RouteFilter> filters = [.. Filters(service), .. extraFilters ?? []];
            return new GrpcRule
            {
                // A match with no condition takes every call, and so does a rule without matches.
                Matches = matches.Any(m => m is { Method: null, Headers: null }) ? null : matches,
                Filters = filters.Count > 0 ? filters : null,
                BackendRefs = backends,
            };
        }

        var mirror = HttpRouteSpec.CanaryMirror(canary, version, mirrored);
        List<GrpcRule> rules = [];
        if (analysis.Strategy == DeploymentStrategy.ABTesting)
        {
            rules.Add(Rule(ABMatches(analysis.Match!, serviceMatches), [Backend(primaryService, primaryWeight), Backend(canaryService, canaryWeight)], mirror));
            rules.Add(Rule(serviceMatches, [Backend(primaryService, 100)]));
        }
        else
        {
            rules.Add(Rule(serviceMatches, [Backend(primaryService, primaryWeight), Backend(canaryService, canaryWeight)], mirror));
        }

        return new GrpcSpec
        {
            ParentRefs = [.. (service.GatewayRefs ?? []).Select(HttpRouteSpec.ParentRef)],
            Hostnames = service.Hosts is { Count: > 0 } hosts ? [.. hosts] : null,
            Rules = rules,
        };
    }

    /// <summary>Every analysis match crossed with every service match: the method from the service, the headers from the analysis.</summary>
    private static GrpcMatch[] ABMatches(IList<HttpMatchRequest> analysisMatches, IReadOnlyList<GrpcMatch> serviceMatches) =>
        [.. analysisMatches.Select(MapMatch).SelectMany(mapped => serviceMatches.Select(serviceMatch =>
            serviceMatch with { Headers = mapped.Headers }))];

    private static GrpcMatch[] ServiceMatches(CanaryService service) =>
        service.Match is { Count: > 0 } matches ? [.. matches.Select(MapMatch)] : [new GrpcMatch()];

    /// <summary>Istio's HTTPMatchRequest to a GRPCRouteMatch: the uri as a gRPC method, the headers as they are.</summary>
    public static GrpcMatch MapMatch(HttpMatchRequest match)
    {
        ArgumentNullException.ThrowIfNull(match);
        if (!GrpcMethodMatch.TryFromPath(match.Uri, out var method))
        {
            throw new InvalidOperationException("uri match needs exact /package.Service/Method or prefix /package.Service/");
        }

        return new GrpcMatch
        {
            Method = method,
            Headers = match.Headers is { Count: > 0 } headers ? HttpRouteSpec.ValueMatches(headers) : null,
        };
    }

    /// <summary>Rule filters in Flagger's order, as far as a GRPCRoute has them: request headers, response headers, static mirrors.</summary>
    private static List<RouteFilter> Filters(CanaryService service)
    {
        List<RouteFilter> filters = [];
        if (HttpRouteSpec.HeaderModifier(service.Headers?.Request) is { } request)
        {
            filters.Add(new RouteFilter { Type = "RequestHeaderModifier", RequestHeaderModifier = request });
        }

        if (HttpRouteSpec.HeaderModifier(service.Headers?.Response) is { } response)
        {
            filters.Add(new RouteFilter { Type = "ResponseHeaderModifier", ResponseHeaderModifier = response });
        }

        filters.AddRange(HttpRouteSpec.StaticMirrors(service));
        return filters;
    }
}
