using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

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

/// <summary>
/// What a Gateway API implementation does with an HTTPRoute for one request: pick the matching rule with
/// the highest precedence (exact path, longest prefix, method, most header matches, most query matches,
/// then rule order), pick a backend by weight, and collect the RequestMirror filters.
/// </summary>
internal static class SimulatedGateway
{
    public static JsonObject? SelectRule(JsonArray rules, SimulatedRequest request)
    {
        JsonObject? best = null;
        (int, int, int, int, int) bestKey = default;
        foreach (var rule in rules.OfType<JsonObject>())
        {
            var matches = rule["matches"]?.AsArray().OfType<JsonObject>().ToList() ?? [];
            if (matches.Count == 0)
            {
                matches = [new JsonObject()];
            }

            foreach (var match in matches)
            {
                if (!Matches(match, request))
                {
                    continue;
                }

                var key = Precedence(match);
                if (best is null || key.CompareTo(bestKey) > 0)
                {
                    best = rule;
                    bestKey = key;
                }
            }
        }

        return best;
    }

    public static bool Matches(JsonObject match, SimulatedRequest request)
    {
        var pathType = (string?)match["path"]?["type"] ?? "PathPrefix";
        var pathValue = (string?)match["path"]?["value"] ?? "/";
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

        if (match["method"] is JsonValue method && (string?)method != SimulatedRequest.Method)
        {
            return false;
        }

        return ValuesMatch(match["headers"]?.AsArray(), request.Headers)
            && ValuesMatch(match["queryParams"]?.AsArray(), request.Query);
    }

    /// <summary>Exact header and query values of every rule's matches: what an "insider" request carries.</summary>
    public static SimulatedRequest InsiderRequest(JsonArray rules)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var match in rules.OfType<JsonObject>().SelectMany(r => r["matches"]?.AsArray().OfType<JsonObject>() ?? []))
        {
            Collect(match["headers"]?.AsArray(), headers);
            Collect(match["queryParams"]?.AsArray(), query);
        }

        return new SimulatedRequest(headers, query);
    }

    public static IReadOnlyList<BackendService> Backends(JsonObject rule, string routeNamespace) =>
        [.. (rule["backendRefs"]?.AsArray().OfType<JsonObject>() ?? [])
            .Where(IsService)
            .Select(b => new BackendService(
                (string?)b["namespace"] ?? routeNamespace,
                (string?)b["name"] ?? "",
                b["weight"] is JsonValue weight ? weight.GetValue<int>() : 1))];

    /// <summary>Services the rule (or the chosen backend) mirrors requests to.</summary>
    public static IEnumerable<BackendService> Mirrors(JsonObject rule, int chosenBackend, string routeNamespace)
    {
        var filters = (rule["filters"]?.AsArray().OfType<JsonObject>() ?? []).ToList();
        var backendRefs = rule["backendRefs"]?.AsArray().OfType<JsonObject>().Where(IsService).ToList() ?? [];
        if (chosenBackend >= 0 && chosenBackend < backendRefs.Count)
        {
            filters.AddRange(backendRefs[chosenBackend]["filters"]?.AsArray().OfType<JsonObject>() ?? []);
        }

        foreach (var filter in filters.Where(f => (string?)f["type"] == "RequestMirror"))
        {
            if (filter["requestMirror"]?["backendRef"] is JsonObject target && IsService(target))
            {
                yield return new BackendService((string?)target["namespace"] ?? routeNamespace, (string?)target["name"] ?? "", 1);
            }
        }
    }

    /// <summary>
    /// The split as Flagger reads it (<c>GatewayApiRouter.Split</c>): the last rule whose backends carry
    /// filters, else the last rule with exactly the primary and canary Services; mirrored when a
    /// RequestMirror goes to the canary Service.
    /// </summary>
    public static RouteWeights Split(JsonObject route, string apex)
    {
        var primary = apex + "-primary";
        var canary = apex + "-canary";
        var rules = route["spec"]?["rules"]?.AsArray().OfType<JsonObject>().ToList() ?? [];
        JsonArray? BackendRefs(JsonObject rule) => rule["backendRefs"]?.AsArray();
        var weighted = rules.LastOrDefault(r => BackendRefs(r)?.Any(b => b?["filters"] is not null) == true)
            ?? rules.LastOrDefault(r => BackendRefs(r) is { Count: 2 } backends
                && backends.Any(b => (string?)b?["name"] == primary)
                && backends.Any(b => (string?)b?["name"] == canary));
        int Weight(string service) =>
            weighted is null ? 0 : BackendRefs(weighted)!.FirstOrDefault(b => (string?)b?["name"] == service)?["weight"]?.GetValue<int>() ?? 0;
        var mirrored = rules.Any(r => r["filters"]?.AsArray().Any(f =>
            (string?)f?["type"] == "RequestMirror" && (string?)f?["requestMirror"]?["backendRef"]?["name"] == canary) == true);
        return weighted is null ? new RouteWeights(100, 0, mirrored) : new RouteWeights(Weight(primary), Weight(canary), mirrored);
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

    private static bool IsService(JsonObject backend) =>
        ((string?)backend["group"] ?? "") == "" && ((string?)backend["kind"] ?? "Service") == "Service";

    private static (int, int, int, int, int) Precedence(JsonObject match)
    {
        var pathType = (string?)match["path"]?["type"] ?? "PathPrefix";
        var pathValue = (string?)match["path"]?["value"] ?? "/";
        return (
            pathType == "Exact" ? 1 : 0,
            pathType == "PathPrefix" ? pathValue.Length : 0,
            match["method"] is null ? 0 : 1,
            match["headers"]?.AsArray().Count ?? 0,
            match["queryParams"]?.AsArray().Count ?? 0);
    }

    private static bool ValuesMatch(JsonArray? conditions, IReadOnlyDictionary<string, string> values)
    {
        foreach (var condition in conditions?.OfType<JsonObject>() ?? [])
        {
            var name = (string?)condition["name"] ?? "";
            var expected = (string?)condition["value"] ?? "";
            if (!values.TryGetValue(name, out var actual))
            {
                return false;
            }

            var ok = (string?)condition["type"] == "RegularExpression"
                ? Regex.IsMatch(actual, expected, RegexOptions.None, TimeSpan.FromSeconds(1))
                : actual == expected;
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static void Collect(JsonArray? conditions, Dictionary<string, string> into)
    {
        foreach (var condition in conditions?.OfType<JsonObject>() ?? [])
        {
            if (((string?)condition["type"] ?? "Exact") == "Exact" && (string?)condition["name"] is { } name && (string?)condition["value"] is { } value)
            {
                into.TryAdd(name, value);
            }
        }
    }
}
