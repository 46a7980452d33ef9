using Flagger.Core.Routing;

namespace Flagger.Core.Model;

/// <summary>
/// The route-kind rules: which route a Canary opts into (<see cref="RouteKind.Annotation"/>), what a GRPCRoute
/// cannot express (no path, query, HTTP method, rewrite, CORS, timeouts or cookies), and the mirror percent.
/// </summary>
public static partial class CanaryValidator
{
    private const string RouteKindField = $"metadata.annotations[{RouteKind.Annotation}]";

    private static void ValidateRouteKind(Canary canary, Problems problems)
    {
        if (!RouteKind.TryOf(canary, out var kind))
        {
            problems.Error(RouteKindField, $"\"{canary.Metadata.Annotations[RouteKind.Annotation]}\" is not a route kind; use HTTPRoute or GRPCRoute");
            return;
        }

        if (kind != RouteKind.Grpc)
        {
            return;
        }

        var spec = canary.Spec;
        if (!string.IsNullOrEmpty(spec.Provider) && spec.Provider != DefaultProvider)
        {
            problems.Error(RouteKindField, $"GRPCRoute needs provider gatewayapi:v1 (GRPCRoute v1 is Standard since Gateway API 1.1), not {spec.Provider}");
        }

        const string Service = "spec.service";
        var service = spec.Service;
        for (var i = 0; i < (service.Match?.Count ?? 0); i++)
        {
            var match = service.Match![i];
            var path = $"{Service}.match[{i}]";
            if (!GrpcMethodMatch.TryFromPath(match.Uri, out _))
            {
                problems.ErrorInstead($"{path}.uri",
                    "a GRPCRoute matches gRPC methods: use exact /package.Service/Method, or prefix /package.Service/ for every method of a service");
            }

            if (match.Method is not null)
            {
                problems.ErrorInstead($"{path}.method", "a GRPCRoute has no HTTP method match (gRPC requests are all POST)");
            }

            RejectGrpcQuery(match, path, problems);
        }

        RejectForGrpc(service.Rewrite is not null, $"{Service}.rewrite", "a GRPCRoute has no URLRewrite filter", problems);
        RejectForGrpc(service.CorsPolicy is not null, $"{Service}.corsPolicy", "a GRPCRoute has no CORS filter", problems);
        RejectForGrpc(!string.IsNullOrEmpty(service.Timeout), $"{Service}.timeout", "a GRPCRoute has no timeouts", problems);
        RejectForGrpc(!string.IsNullOrEmpty(service.BackendTimeout), $"{Service}.backendTimeout", "a GRPCRoute has no timeouts", problems);

        var analysis = canary.Analysis;
        var analysisPath = spec.Analysis is not null ? "spec.analysis" : "spec.canaryAnalysis";
        for (var i = 0; i < (analysis.Match?.Count ?? 0); i++)
        {
            var match = analysis.Match![i];
            var path = $"{analysisPath}.match[{i}]";
            RejectGrpcQuery(match, path, problems);
            RejectForGrpc(match.SourceLabels is { Count: > 0 }, $"{path}.sourceLabels",
                "a GRPCRoute cannot match the caller's labels; match a header instead", problems);
            if (match.Headers is not { Count: > 0 } && match.QueryParams is not { Count: > 0 } && match.SourceLabels is not { Count: > 0 })
            {
                problems.Error($"{path}.headers", "a GRPCRoute A/B match needs at least one header; without one every request would go to the canary");
            }
        }

        // gRPC clients keep no cookie jar: a Set-Cookie in the response metadata is never sent back, so the
        // sticky rules would never match and every call would be split by weight anyway.
        RejectForGrpc(analysis.SessionAffinity is not null, $"{analysisPath}.sessionAffinity",
            "needs cookies, which gRPC clients do not keep; use an A/B header match (analysis.match) to pin callers", problems);
    }

    private static void RejectGrpcQuery(HttpMatchRequest match, string path, Problems problems) =>
        RejectForGrpc(match.QueryParams is { Count: > 0 }, $"{path}.queryParams", "a GRPCRoute has no query parameter match", problems);

    private static void RejectForGrpc(bool isSet, string field, string message, Problems problems)
    {
        if (isSet)
        {
            problems.ErrorInstead(field, $"{message} ({RouteKind.Annotation}: GRPCRoute)");
        }
    }

    /// <summary>
    /// <c>mirrorWeight</c> (Istio's share of mirrored requests) is the mirror filter's <c>percent</c> on a v1
    /// route (Gateway API 1.3); the older versions have no percent, so there it is ignored as before.
    /// </summary>
    private static void ValidateMirrorWeight(CanaryAnalysis analysis, string path, CanarySpec spec, Problems problems)
    {
        if (analysis.MirrorWeight is not { } weight)
        {
            return;
        }

        var field = $"{path}.mirrorWeight";
        if (!string.IsNullOrEmpty(spec.Provider) && spec.Provider != DefaultProvider)
        {
            problems.Warning(field, $"is ignored with {spec.Provider} (no mirror percent); the whole request stream is mirrored; use gatewayapi:v1");
        }
        else if (weight is < 0 or > 100)
        {
            problems.Error(field, "must be between 0 and 100 (the percent of requests mirrored to the canary)");
        }
        else if (!analysis.Mirror)
        {
            problems.Warning(field, "has no effect without mirror: true");
        }
        else if (weight == 0)
        {
            problems.Warning(field, "0 means unset, as in Flagger: the whole request stream is mirrored");
        }
    }
}
