using System.Text.Json.Nodes;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Routing;
using Flagger.Core.Workloads;

namespace Flagger.Infrastructure.GatewayApi;

/// <summary>
/// The edits Flagger makes to a route the user owns, on its JSON (so fields we do not model survive), and
/// their undoing. Attached, every backendRef to the apex Service becomes the primary and canary Services with
/// the split's weights (same port, filters and other fields); for A/B testing, a copy of each such rule with
/// the analysis matches goes before the user's rules instead. What was replaced is remembered per rule in the
/// <see cref="OriginalBackendsAnnotation"/> annotation, so <see cref="Restore"/> gives back what the user wrote.
/// Pure: the same route and split always give the same route.
/// </summary>
public static class UserRouteSpec
{
    /// <summary>
    /// One entry per rule holding our Services, in rule order: <c>{"added":true}</c> for a rule Flagger added,
    /// or <c>{"backendRefs":[...]}</c> (the apex backendRefs replaced, in order; <c>"filtersAbsent":true</c>
    /// when the rule had no filters before the mirror went in).
    /// </summary>
    public const string OriginalBackendsAnnotation = "flagger-functions.io/original-backends";

    private const string MirrorType = RouteFilter.RequestMirrorType;

    /// <summary>
    /// The route with the split applied to what the user wrote: all on the primary (no mirror) is the user's
    /// route exactly, without our annotation.
    /// </summary>
    public static JsonObject Apply(JsonObject route, Canary canary, UserRoute reference, RouteSplit split)
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(canary);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(split);
        var result = route.DeepClone().AsObject();
        var names = new Names(WorkloadNames.ServiceName(canary), canary.Metadata.NamespaceProperty);
        var spec = Restore(route, names);
        var entries = new JsonArray();

        // Blue/green mirroring: only when iterations are set, as for the generated route.
        var mirror = split.Mirrored && canary.Analysis.EffectiveIterations > 0;
        if (split.PrimaryWeight != WeightSchedule.TotalWeight || split.CanaryWeight != 0 || mirror)
        {
            var userRules = spec["rules"]?.AsArray() ?? [];
            List<JsonNode?> rules = [];
            if (canary.Analysis.Strategy == DeploymentStrategy.ABTesting)
            {
                foreach (var rule in userRules.Where(r => HasApex(r, names)))
                {
                    var copy = Attach(rule!.DeepClone().AsObject(), names, split, mirror, canary.Spec.Service.Port, out _);
                    copy["matches"] = ABMatches(canary.Analysis.Match!, rule["matches"]?.AsArray(), reference.IsGrpc);
                    rules.Add(copy);
                    entries.Add(new JsonObject { ["added"] = true });
                }

                rules.AddRange(userRules.Select(r => r?.DeepClone()));
            }
            else
            {
                foreach (var rule in userRules)
                {
                    if (!HasApex(rule, names))
                    {
                        rules.Add(rule?.DeepClone());
                        continue;
                    }

                    rules.Add(Attach(rule!.DeepClone().AsObject(), names, split, mirror, canary.Spec.Service.Port, out var entry));
                    entries.Add(entry);
                }
            }

            spec["rules"] = new JsonArray([.. rules]);
        }

        result["spec"] = spec;
        SetAnnotation(result, entries.Count > 0 ? entries.ToJsonString() : null);
        return result;
    }

    /// <summary>What the user wrote: our rules removed, our Services replaced by the backendRefs they stood for.</summary>
    public static JsonObject Restore(JsonObject route, Canary canary)
    {
        ArgumentNullException.ThrowIfNull(canary);
        return Restore(route, new Names(WorkloadNames.ServiceName(canary), canary.Metadata.NamespaceProperty));
    }

    /// <summary>
    /// The split the route carries: the weights of the first rule holding our Services, mirrored when it
    /// mirrors to the canary. All on the primary when no rule holds them (the user's route as written, which
    /// sends the apex Service's traffic to the primary). Null when the rules holding them disagree: someone
    /// else changed some of our weights.
    /// </summary>
    public static RouteSplit? ReadSplit(JsonObject route, Canary canary)
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(canary);
        var names = new Names(WorkloadNames.ServiceName(canary), canary.Metadata.NamespaceProperty);
        var splits = (route["spec"]?["rules"]?.AsArray() ?? [])
            .Where(r => HasOurs(r, names))
            .Select(r =>
            {
                var backends = r!["backendRefs"]!.AsArray();
                int Weight(string service) => backends.FirstOrDefault(b => IsService(b, service, names.Namespace))?["weight"]?.GetValue<int>() ?? 1;
                var mirrored = (r["filters"]?.AsArray() ?? []).Any(f => IsOurMirror(f, names));
                return new RouteSplit(Weight(names.Primary), backends.Any(b => IsService(b, names.Canary, names.Namespace)) ? Weight(names.Canary) : 0, mirrored);
            })
            .Distinct()
            .ToList();
        return splits.Count switch
        {
            0 => new RouteSplit(WeightSchedule.TotalWeight, 0, false),
            1 => splits[0],
            _ => null,
        };
    }

    /// <summary>Whether the route sends anything to the apex Service or to ours: without that there is nothing to shift.</summary>
    public static bool Routes(JsonObject route, Canary canary)
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(canary);
        var names = new Names(WorkloadNames.ServiceName(canary), canary.Metadata.NamespaceProperty);
        return (route["spec"]?["rules"]?.AsArray() ?? []).Any(r => HasApex(r, names) || HasOurs(r, names));
    }

    private static JsonObject Restore(JsonObject route, Names names)
    {
        var spec = route["spec"]?.DeepClone().AsObject() ?? [];
        if (spec["rules"] is not JsonArray rules || !rules.Any(r => HasOurs(r, names)))
        {
            return spec;
        }

        var entries = ReadAnnotation(route);
        var ours = 0;
        List<JsonNode?> restored = [];
        foreach (var rule in rules)
        {
            if (!HasOurs(rule, names))
            {
                restored.Add(rule?.DeepClone());
                continue;
            }

            var entry = ours < entries.Count ? entries[ours] as JsonObject : null;
            ours++;
            if (entry?["added"]?.GetValue<bool>() == true)
            {
                continue;
            }

            restored.Add(RestoreRule(rule!.DeepClone().AsObject(), entry, names));
        }

        spec["rules"] = new JsonArray([.. restored]);
        return spec;
    }

    private static JsonObject RestoreRule(JsonObject rule, JsonObject? entry, Names names)
    {
        var originals = entry?["backendRefs"]?.AsArray() ?? [];
        var next = 0;
        List<JsonNode?> backends = [];
        foreach (var backend in rule["backendRefs"]!.AsArray())
        {
            if (IsService(backend, names.Primary, names.Namespace))
            {
                // Without a record (the annotation was removed) the apex backendRef is rebuilt from ours.
                backends.Add(next < originals.Count ? originals[next]!.DeepClone() : Renamed(backend!, names.Apex, weight: null));
                next++;
            }
            else if (!IsService(backend, names.Canary, names.Namespace))
            {
                backends.Add(backend?.DeepClone());
            }
        }

        rule["backendRefs"] = new JsonArray([.. backends]);
        if (rule["filters"] is JsonArray filters && filters.Any(f => IsOurMirror(f, names)))
        {
            var kept = filters.Where(f => !IsOurMirror(f, names)).Select(f => f?.DeepClone()).ToArray();
            if (kept.Length == 0 && entry?["filtersAbsent"]?.GetValue<bool>() == true)
            {
                rule.Remove("filters");
            }
            else
            {
                rule["filters"] = new JsonArray(kept);
            }
        }

        return rule;
    }

    /// <summary>The rule with each apex backendRef replaced by the primary and canary Services; <paramref name="entry"/> records what was replaced.</summary>
    private static JsonObject Attach(JsonObject rule, Names names, RouteSplit split, bool mirror, int servicePort, out JsonObject entry)
    {
        var originals = new JsonArray();
        List<JsonNode?> backends = [];
        int? mirrorPort = null;
        foreach (var backend in rule["backendRefs"]!.AsArray())
        {
            if (!IsService(backend, names.Apex, names.Namespace))
            {
                backends.Add(backend?.DeepClone());
                continue;
            }

            originals.Add(backend!.DeepClone());
            mirrorPort ??= backend["port"]?.GetValue<int>();
            backends.Add(Renamed(backend, names.Primary, split.PrimaryWeight));
            backends.Add(Renamed(backend, names.Canary, split.CanaryWeight));
        }

        rule["backendRefs"] = new JsonArray([.. backends]);
        entry = new JsonObject { ["backendRefs"] = originals };
        if (mirror)
        {
            if (rule["filters"] is not JsonArray filters)
            {
                filters = [];
                rule["filters"] = filters;
                entry["filtersAbsent"] = true;
            }

            filters.Add(new JsonObject
            {
                ["type"] = MirrorType,
                ["requestMirror"] = new JsonObject
                {
                    ["backendRef"] = new JsonObject { ["group"] = "", ["kind"] = "Service", ["name"] = names.Canary, ["port"] = mirrorPort ?? servicePort },
                },
            });
        }

        return rule;
    }

    /// <summary>
    /// Every analysis match crossed with every match of the user's rule: the user's conditions, with the
    /// analysis headers (and, for HTTP, query parameters) first, so an analysis header wins over one of the
    /// same name (Gateway API honours the first).
    /// </summary>
    private static JsonArray ABMatches(IList<HttpMatchRequest> analysisMatches, JsonArray? userMatches, bool grpc)
    {
        JsonNode[] user = userMatches is { Count: > 0 }
            ? [.. userMatches.Select(m => m!)]
            : [grpc ? new JsonObject() : new JsonObject { ["path"] = new JsonObject { ["type"] = "PathPrefix", ["value"] = "/" } }];
        var mapped = new RouteSpec { Rules = [new RouteRule { Matches = [.. analysisMatches.Select(HttpRouteSpec.MapMatch)] }] }
            .ToJson()["rules"]![0]!["matches"]!.AsArray();
        var result = new JsonArray();
        foreach (var analysis in mapped)
        {
            foreach (var match in user)
            {
                var combined = match.DeepClone().AsObject();
                Combine(combined, "headers", analysis?["headers"]);
                if (!grpc)
                {
                    Combine(combined, "queryParams", analysis?["queryParams"]);
                }

                result.Add(combined);
            }
        }

        return result;
    }

    private static void Combine(JsonObject match, string field, JsonNode? analysisValues)
    {
        if (analysisValues is not JsonArray ours || ours.Count == 0)
        {
            return;
        }

        var names = ours.Select(v => (string?)v?["name"]).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var theirs = (match[field]?.AsArray() ?? []).Where(v => !names.Contains((string?)v?["name"]));
        match[field] = new JsonArray([.. ours.Select(v => v?.DeepClone()), .. theirs.Select(v => v?.DeepClone())]);
    }

    private static JsonObject Renamed(JsonNode backend, string name, int? weight)
    {
        var copy = backend.DeepClone().AsObject();
        copy["name"] = name;
        if (weight is null)
        {
            copy.Remove("weight");
        }
        else
        {
            copy["weight"] = weight.Value;
        }

        return copy;
    }

    private static bool HasApex(JsonNode? rule, Names names) =>
        (rule?["backendRefs"]?.AsArray() ?? []).Any(b => IsService(b, names.Apex, names.Namespace));

    private static bool HasOurs(JsonNode? rule, Names names) =>
        (rule?["backendRefs"]?.AsArray() ?? []).Any(b => IsService(b, names.Primary, names.Namespace) || IsService(b, names.Canary, names.Namespace));

    /// <summary>A backendRef to the core Service <paramref name="name"/> in the route's namespace (group, kind and namespace defaulted as Gateway API does).</summary>
    private static bool IsService(JsonNode? backend, string name, string @namespace) =>
        backend is JsonObject b
        && (string?)b["name"] == name
        && ((string?)b["group"] ?? "") == ""
        && ((string?)b["kind"] ?? "Service") == "Service"
        && ((string?)b["namespace"] ?? @namespace) == @namespace;

    private static bool IsOurMirror(JsonNode? filter, Names names) =>
        (string?)filter?["type"] == MirrorType && IsService(filter?["requestMirror"]?["backendRef"], names.Canary, names.Namespace);

    private static JsonArray ReadAnnotation(JsonObject route)
    {
        var value = (string?)route["metadata"]?["annotations"]?[OriginalBackendsAnnotation];
        if (string.IsNullOrEmpty(value))
        {
            return [];
        }

        try
        {
            return JsonNode.Parse(value) as JsonArray ?? [];
        }
        catch (System.Text.Json.JsonException)
        {
            return [];
        }
    }

    private static void SetAnnotation(JsonObject route, string? value)
    {
        if (route["metadata"] is not JsonObject metadata)
        {
            metadata = [];
            route["metadata"] = metadata;
        }

        if (value is not null)
        {
            if (metadata["annotations"] is not JsonObject annotations)
            {
                annotations = [];
                metadata["annotations"] = annotations;
            }

            annotations[OriginalBackendsAnnotation] = value;
        }
        else if (metadata["annotations"] is JsonObject annotations && annotations.Remove(OriginalBackendsAnnotation) && annotations.Count == 0)
        {
            metadata.Remove("annotations");
        }
    }

    private sealed record Names(string Apex, string Namespace)
    {
        public string Primary { get; } = WorkloadNames.PrimaryServiceName(Apex);

        public string Canary { get; } = WorkloadNames.CanaryServiceName(Apex);
    }
}
