using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Routing;
using Flagger.Core.Workloads;

namespace Flagger.Infrastructure.GatewayApi;

/// <summary>
/// The HTTPRoute spec Flagger generates for a canary (spec §4.2–4.7), for a given split. Pure: the same
/// canary, status and split always give the same spec, so drift is a plain comparison.
/// </summary>
public static class HttpRouteSpec
{
    /// <summary>The spec as JSON, as it goes to the API server (<see cref="Model"/> serialised).</summary>
    public static JsonObject Build(Canary canary, GatewayApiVersion version, int primaryWeight, int canaryWeight, bool mirrored, SessionCookies? cookies = null) =>
        Model(canary, version, primaryWeight, canaryWeight, mirrored, cookies).ToJson();

    /// <summary>
    /// The typed spec for the split: <paramref name="primaryWeight"/>/<paramref name="canaryWeight"/>, mirrored or not.
    /// With session affinity, the rules use <paramref name="cookies"/>, by default those the status holds for that weight.
    /// </summary>
    public static RouteSpec Model(Canary canary, GatewayApiVersion version, int primaryWeight, int canaryWeight, bool mirrored, SessionCookies? cookies = null)
    {
        var service = canary.Spec.Service;
        var analysis = canary.Analysis;
        var apex = WorkloadNames.ServiceName(canary);
        var primaryService = WorkloadNames.PrimaryServiceName(apex);
        var canaryService = WorkloadNames.CanaryServiceName(apex);
        var serviceMatches = ServiceMatches(service);

        RouteBackendRef Backend(string name, int weight, IReadOnlyList<RouteFilter>? filters = null) =>
            new() { Group = "", Kind = "Service", Name = name, Port = service.Port, Weight = weight, Filters = filters };

        RouteRule Rule(IReadOnlyList<RouteMatch> matches, IReadOnlyList<RouteBackendRef> backends, IReadOnlyList<RouteFilter>? extraFilters = null)
        {
            List<RouteFilter> filters = [.. Filters(service, version), .. extraFilters ?? []];
            var timeouts = version.SupportsTimeouts && (service.Timeout is not null || service.BackendTimeout is not null)
                ? new RouteTimeouts { Request = service.Timeout, BackendRequest = service.BackendTimeout }
                : null;
            return new RouteRule { Matches = matches, Filters = filters.Count > 0 ? filters : null, Timeouts = timeouts, BackendRefs = backends };
        }

        var mirror = CanaryMirror(canary, version, mirrored);

        List<RouteRule> rules = [];
        if (analysis.SessionAffinity is { } affinity)
        {
            var sessionCookies = cookies ?? SessionAffinityCookies.ForRoute(canary, canaryWeight);
            rules.AddRange(SessionAffinityRules(canary, version, affinity, sessionCookies, serviceMatches, primaryService, canaryService, primaryWeight, canaryWeight, Backend, Rule));
        }
        else if (analysis.Strategy == DeploymentStrategy.ABTesting)
        {
            rules.Add(Rule(ABMatches(analysis.Match!, serviceMatches), [Backend(primaryService, primaryWeight), Backend(canaryService, canaryWeight)], mirror));
            rules.Add(Rule(serviceMatches, [Backend(primaryService, 100)]));
        }
        else
        {
            rules.Add(Rule(serviceMatches, [Backend(primaryService, primaryWeight), Backend(canaryService, canaryWeight)], mirror));
        }

        return new RouteSpec
        {
            ParentRefs = [.. (service.GatewayRefs ?? []).Select(ParentRef)],
            Hostnames = service.Hosts is { Count: > 0 } hosts ? [.. hosts] : null,
            Rules = rules,
        };
    }

    /// <summary>
    /// The blue/green mirror to the canary Service: only when iterations are set (Flagger's rule; canary +
    /// mirror is rejected by validation). <c>analysis.mirrorWeight</c> (1–100) is its <c>percent</c> where the
    /// version has one; unset (or 0, Flagger's unset) mirrors every request.
    /// </summary>
    internal static RouteFilter[]? CanaryMirror(Canary canary, GatewayApiVersion version, bool mirrored)
    {
        var analysis = canary.Analysis;
        if (!mirrored || analysis.EffectiveIterations <= 0)
        {
            return null;
        }

        var target = new RouteObjectRef
        {
            Group = "",
            Kind = "Service",
            Name = WorkloadNames.CanaryServiceName(WorkloadNames.ServiceName(canary)),
            Port = canary.Spec.Service.Port,
        };
        var percent = version.SupportsMirrorPercent && analysis.MirrorWeight is > 0 and <= 100 ? analysis.MirrorWeight : null;
        return [new RouteFilter { Type = RouteFilter.RequestMirrorType, RequestMirror = new RouteRequestMirror(target) { Percent = percent } }];
    }

    internal static RouteParentRef ParentRef(GatewayReference reference) => new()
    {
        Group = string.IsNullOrEmpty(reference.Group) ? GatewayApiVersion.Group : reference.Group,
        Kind = string.IsNullOrEmpty(reference.Kind) ? "Gateway" : reference.Kind,
        Namespace = string.IsNullOrEmpty(reference.Namespace) ? null : reference.Namespace,
        Name = reference.Name,
        SectionName = string.IsNullOrEmpty(reference.SectionName) ? null : reference.SectionName,
        Port = reference.Port,
    };

    /// <summary>Flagger's rules for session affinity (spec §4.6), from the cookies of the status.</summary>
    private static IEnumerable<RouteRule> SessionAffinityRules(
        Canary canary,
        GatewayApiVersion version,
        SessionAffinity affinity,
        SessionCookies cookies,
        IReadOnlyList<RouteMatch> serviceMatches,
        string primaryService,
        string canaryService,
        int primaryWeight,
        int canaryWeight,
        Func<string, int, IReadOnlyList<RouteFilter>?, RouteBackendRef> backend,
        Func<IReadOnlyList<RouteMatch>, IReadOnlyList<RouteBackendRef>, IReadOnlyList<RouteFilter>?, RouteRule> rule)
    {
        if (canaryWeight > 0 && cookies.Canary is { } canaryCookie)
        {
            var maxAge = affinity.MaxAge is > 0 ? affinity.MaxAge.Value : 86400;
            var canaryBackend = backend(canaryService, canaryWeight, SetCookie(CookieHeader(canaryCookie, maxAge, affinity)));
            var primaryCookie = version.SupportsPrimaryCookie && !string.IsNullOrEmpty(affinity.PrimaryCookieName) ? cookies.Primary : null;
            var interval = (int)canary.Analysis.GetInterval().TotalSeconds;
            var primaryBackend = primaryCookie is null
                ? backend(primaryService, primaryWeight, null)
                : backend(primaryService, primaryWeight, SetCookie(CookieHeader(primaryCookie, interval, affinity)));

            yield return rule(CookieMatches(serviceMatches, canaryCookie), [backend(primaryService, 0, null), backend(canaryService, 100, null)], null);
            if (primaryCookie is not null)
            {
                yield return rule(CookieMatches(serviceMatches, primaryCookie), [backend(primaryService, 100, null), backend(canaryService, 0, null)], null);
            }

            yield return rule(serviceMatches, [primaryBackend, canaryBackend], null);
            yield break;
        }

        // At weight 0 (start, end of promotion, rollback) the previous run's cookie is expired on its next request;
        // without one, Flagger's first rule is a copy of the weighted one.
        var weighted = rule(serviceMatches, [backend(primaryService, primaryWeight, null), backend(canaryService, canaryWeight, null)], null);
        yield return cookies.Previous is { } previous
            ? rule(CookieMatches(serviceMatches, previous), [backend(primaryService, primaryWeight, null), backend(canaryService, canaryWeight, null)], SetCookie($"{previous}; Max-Age=-1"))
            : weighted;
        yield return weighted;
    }

    private static RouteFilter[] SetCookie(string value) =>
    [
        new RouteFilter
        {
            Type = "ResponseHeaderModifier",
            ResponseHeaderModifier = new RouteHeaderModifier { Add = [new RouteHeader("Set-Cookie", value)] },
        },
    ];

    private static string CookieHeader(string cookie, int maxAge, SessionAffinity affinity)
    {
        var header = new StringBuilder(cookie).Append("; Max-Age=").Append(maxAge.ToString(CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(affinity.Domain))
        {
            header.Append("; Domain=").Append(affinity.Domain);
        }

        if (affinity.HttpOnly == true)
        {
            header.Append("; HttpOnly");
        }

        if (affinity.Partitioned == true)
        {
            header.Append("; Partitioned");
        }

        if (!string.IsNullOrEmpty(affinity.Path))
        {
            header.Append("; Path=").Append(affinity.Path);
        }

        if (!string.IsNullOrEmpty(affinity.SameSite))
        {
            header.Append("; SameSite=").Append(affinity.SameSite);
        }

        if (affinity.Secure == true)
        {
            header.Append("; Secure");
        }

        return header.ToString();
    }

    /// <summary>
    /// The service matches with their headers replaced by a Cookie header carrying <paramref name="cookie"/>, in
    /// Flagger's form <c>.*name.*value.*</c>, so a route Flagger wrote is the route built here.
    /// </summary>
    private static RouteMatch[] CookieMatches(IReadOnlyList<RouteMatch> serviceMatches, string cookie)
    {
        var parts = cookie.Split('=', 2);
        var pattern = parts.Length == 2 ? $".*{parts[0]}.*{parts[1]}.*" : $".*{cookie}.*";
        return [.. serviceMatches.Select(match => match with { Headers = [new RouteValueMatch("Cookie", "RegularExpression", pattern)] })];
    }

    /// <summary>Every analysis match crossed with every service match: path and method from the service, headers and query from the analysis.</summary>
    private static RouteMatch[] ABMatches(IList<HttpMatchRequest> analysisMatches, IReadOnlyList<RouteMatch> serviceMatches) =>
        [.. analysisMatches.Select(MapMatch).SelectMany(mapped => serviceMatches.Select(serviceMatch =>
            serviceMatch with { Headers = mapped.Headers, QueryParams = mapped.QueryParams }))];

    private static RouteMatch[] ServiceMatches(CanaryService service) =>
        service.Match is { Count: > 0 } matches
            ? [.. matches.Select(MapMatch)]
            : [new RouteMatch { Path = new RoutePathMatch("PathPrefix", "/") }];

    /// <summary>Istio's HTTPMatchRequest to an HTTPRouteMatch (spec §4.3). Validation rejects what cannot be mapped.</summary>
    public static RouteMatch MapMatch(HttpMatchRequest match)
    {
        var path = match.Uri switch
        {
            null => new RoutePathMatch("PathPrefix", "/"),
            { Exact: { } exact } => new RoutePathMatch("Exact", exact),
            { Prefix: { } prefix } => new RoutePathMatch("PathPrefix", prefix),
            { Regex: { } regex } => new RoutePathMatch("RegularExpression", regex),
            _ => throw new InvalidOperationException("uri match needs exact, prefix or regex"),
        };
        return new RouteMatch
        {
            Path = path,
            Headers = match.Headers is { Count: > 0 } headers ? ValueMatches(headers) : null,
            QueryParams = match.QueryParams is { Count: > 0 } query ? ValueMatches(query) : null,
            Method = match.Method?.Exact,
        };
    }

    internal static RouteValueMatch[] ValueMatches(IDictionary<string, StringMatch> matches) =>
        [.. matches.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new RouteValueMatch(
            p.Key,
            p.Value.Regex is not null ? "RegularExpression" : "Exact",
            p.Value.Regex ?? p.Value.Exact ?? throw new InvalidOperationException($"match {p.Key} needs exact or regex")))];

    /// <summary>Rule filters in Flagger's order: request headers, response headers, rewrite, static mirrors, CORS.</summary>
    private static List<RouteFilter> Filters(CanaryService service, GatewayApiVersion version)
    {
        List<RouteFilter> filters = [];
        if (HeaderModifier(service.Headers?.Request) is { } request)
        {
            filters.Add(new RouteFilter { Type = "RequestHeaderModifier", RequestHeaderModifier = request });
        }

        if (HeaderModifier(service.Headers?.Response) is { } response)
        {
            filters.Add(new RouteFilter { Type = "ResponseHeaderModifier", ResponseHeaderModifier = response });
        }

        if (service.Rewrite is { } rewrite && (rewrite.Uri is not null || rewrite.Authority is not null))
        {
            var path = rewrite.Uri is null ? null
                : rewrite.Type == "ReplacePrefixMatch"
                    ? new RoutePathModifier { Type = "ReplacePrefixMatch", ReplacePrefixMatch = rewrite.Uri }
                    : new RoutePathModifier { Type = "ReplaceFullPath", ReplaceFullPath = rewrite.Uri };
            filters.Add(new RouteFilter { Type = "URLRewrite", UrlRewrite = new RouteUrlRewrite { Hostname = rewrite.Authority, Path = path } });
        }

        filters.AddRange(StaticMirrors(service));

        if (version.SupportsCors && service.CorsPolicy is { } cors)
        {
            var policy = new RouteCors
            {
                AllowOrigins = List(cors.AllowOrigin),
                AllowMethods = List(cors.AllowMethods),
                AllowHeaders = List(cors.AllowHeaders),
                ExposeHeaders = List(cors.ExposeHeaders),
                AllowCredentials = cors.AllowCredentials,
                MaxAge = GoDuration.TryParse(cors.MaxAge, out var maxAge) ? (int)maxAge.TotalSeconds : null,
            };
            filters.Add(new RouteFilter { Type = "CORS", Cors = policy });
        }

        return filters;
    }

    /// <summary>One RequestMirror filter per <c>service.mirror[]</c>: every request, to a backend that is not the canary.</summary>
    internal static IEnumerable<RouteFilter> StaticMirrors(CanaryService service) =>
        (service.Mirror ?? []).Select(mirror => new RouteFilter
        {
            Type = RouteFilter.RequestMirrorType,
            RequestMirror = new RouteRequestMirror(new RouteObjectRef
            {
                Group = mirror.BackendRef.Group ?? "",
                Kind = mirror.BackendRef.Kind ?? "Service",
                Name = mirror.BackendRef.Name,
                Namespace = mirror.BackendRef.Namespace,
                Port = mirror.BackendRef.Port,
            }),
        });

    internal static RouteHeaderModifier? HeaderModifier(HeaderOperation? operation)
    {
        if (operation is null)
        {
            return null;
        }

        var modifier = new RouteHeaderModifier
        {
            Add = operation.Add is { Count: > 0 } add ? NameValues(add) : null,
            Set = operation.Set is { Count: > 0 } set ? NameValues(set) : null,
            Remove = List(operation.Remove),
        };
        return modifier is { Add: null, Set: null, Remove: null } ? null : modifier;
    }

    private static RouteHeader[] NameValues(IDictionary<string, string> headers) =>
        [.. headers.OrderBy(h => h.Key, StringComparer.Ordinal).ThenBy(h => h.Value, StringComparer.Ordinal).Select(h => new RouteHeader(h.Key, h.Value))];

    private static string[]? List(IList<string>? values) => values is { Count: > 0 } ? [.. values] : null;
}
