using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Flagger.Core.Routing;

namespace Flagger.Sandbox.Traffic;

/// <summary>A request as the simulated users send it: always <c>GET /</c>, with headers and query parameters.</summary>
internal sealed record SimulatedRequest(IReadOnlyDictionary<string, string> Headers, IReadOnlyDictionary<string, string> Query)
{
    public const string Path = "/";
    public const string Method = "GET";

    public static SimulatedRequest Plain { get; } = new(
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase), new Dictionary<string, string>(StringComparer.Ordinal));
}

/// <summary>A Service backend (and its filters) as a route names it.</summary>
internal sealed record BackendService(string Namespace, string Name, int Weight);

/// <summary>A Service a RequestMirror filter copies requests to, and the share (0–1) of requests it copies.</summary>
internal sealed record MirroredService(string Namespace, string Name, double Share);

/// <summary>
/// What a Gateway API implementation does with an HTTPRoute for one request: pick the matching rule with
/// the highest precedence (exact path, longest prefix, method, most header matches, most query matches,
/// then rule order), pick a backend by weight, and collect the RequestMirror filters with their percent.
/// </summary>
internal static class SimulatedGateway
{
    /// <summary>The index of the rule that takes <paramref name="request"/>, -1 when none does.</summary>
    public static int SelectRule(IReadOnlyList<RouteRule> rules, SimulatedRequest request)
    {
        var best = -1;
        (int, int, int, int, int) bestKey = default;
        for (var index = 0; index < rules.Count; index++)
        {
            var matches = rules[index].Matches is { Count: > 0 } ruleMatches ? ruleMatches : [new RouteMatch()];
            foreach (var match in matches)
            {
                if (!Matches(match, request))
                {
                    continue;
                }

                var key = Precedence(match);
                if (best < 0 || key.CompareTo(bestKey) > 0)
                {
                    best = index;
                    bestKey = key;
                }
            }
        }

        return best;
    }

    public static bool Matches(RouteMatch match, SimulatedRequest request)
    {
        var pathType = match.Path?.Type ?? "PathPrefix";
        var pathValue = match.Path?.Value ?? "/";
        var pathOk = pathType switch
        {
            "Exact" => pathValue == SimulatedRequest.Path,
            "RegularExpression" => Regex.IsMatch(SimulatedRequest.Path, $"^(?:{pathValue})$", RegexOptions.None, TimeSpan.FromSeconds(1)),
            _ => pathValue.TrimEnd('/').Length == 0,
        };
        if (!pathOk)
        {
            return false;
        }

        if (match.Method is { } method && method != SimulatedRequest.Method)
        {
            return false;
        }

        return ValuesMatch(match.Headers, request.Headers) && ValuesMatch(match.QueryParams, request.Query);
    }

    /// <summary>Exact header and query values of every rule's matches: what an "insider" request carries.</summary>
    public static SimulatedRequest InsiderRequest(IReadOnlyList<RouteRule> rules)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var match in rules.SelectMany(r => r.Matches ?? []))
        {
            Collect(match.Headers, headers);
            Collect(match.QueryParams, query);
        }

        return new SimulatedRequest(headers, query);
    }

    public static IReadOnlyList<BackendService> Backends(RouteRule rule, string routeNamespace) =>
        [.. ServiceBackends(rule).Select(b => new BackendService(b.Namespace ?? routeNamespace, b.Name ?? "", b.Weight ?? 1))];

    /// <summary>Services the rule (or the chosen backend) mirrors requests to, with the share of requests each gets.</summary>
    public static IEnumerable<MirroredService> Mirrors(RouteRule rule, int chosenBackend, string routeNamespace)
    {
        var filters = (rule.Filters ?? []).ToList();
        var backendRefs = ServiceBackends(rule).ToList();
        if (chosenBackend >= 0 && chosenBackend < backendRefs.Count)
        {
            filters.AddRange(backendRefs[chosenBackend].Filters ?? []);
        }

        foreach (var filter in filters)
        {
            if (filter.MirrorTarget is { IsService: true } target)
            {
                yield return new MirroredService(target.Namespace ?? routeNamespace, target.Name ?? "", filter.RequestMirror!.Share);
            }
        }
    }

    /// <summary>Whether every parent accepted the route's current generation (a gateway serves what it accepted).</summary>
    public static bool IsAccepted(JsonObject route)
    {
        var generation = route["metadata"]?["generation"]?.GetValue<long>() ?? 0;
        var parents = route["status"]?["parents"]?.AsArray().OfType<JsonObject>().ToList() ?? [];
        var parentRefs = route["spec"]?["parentRefs"]?.AsArray() ?? [];
        if (parentRefs.Count == 0)
        {
            return true;
        }

        return parentRefs.All(parentRef => parents.Any(p =>
            JsonNode.DeepEquals(p["parentRef"], parentRef)
            && p["conditions"]?.AsArray().OfType<JsonObject>().Any(c =>
                (string?)c["type"] == "Accepted" && (string?)c["status"] == "True"
                && (c["observedGeneration"]?.GetValue<long>() ?? 0) >= generation) == true));
    }

    private static IEnumerable<RouteBackendRef> ServiceBackends(RouteRule rule) => (rule.BackendRefs ?? []).Where(b => b.IsService);

    private static (int, int, int, int, int) Precedence(RouteMatch match)
    {
        var pathType = match.Path?.Type ?? "PathPrefix";
        var pathValue = match.Path?.Value ?? "/";
        return (
            pathType == "Exact" ? 1 : 0,
            pathType == "PathPrefix" ? pathValue.Length : 0,
            match.Method is null ? 0 : 1,
            match.Headers?.Count ?? 0,
            match.QueryParams?.Count ?? 0);
    }

    private static bool ValuesMatch(IReadOnlyList<RouteValueMatch>? conditions, IReadOnlyDictionary<string, string> values)
    {
        foreach (var condition in conditions ?? [])
        {
            var name = condition.Name ?? "";
            var expected = condition.Value ?? "";
            if (!values.TryGetValue(name, out var actual))
            {
                return false;
            }

            var ok = condition.Type == "RegularExpression"
                ? Regex.IsMatch(actual, expected, RegexOptions.None, TimeSpan.FromSeconds(1))
                : actual == expected;
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static void Collect(IReadOnlyList<RouteValueMatch>? conditions, Dictionary<string, string> into)
    {
        foreach (var condition in conditions ?? [])
        {
            if ((condition.Type ?? "Exact") == "Exact" && condition.Name is { } name && condition.Value is { } value)
            {
                into.TryAdd(name, value);
            }
        }
    }
}
