using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Flagger.Core.Model;
using Flagger.Core.Workloads;

namespace Flagger.Infrastructure.GatewayApi;

/// <summary>
/// The HTTPRoute spec Flagger generates for a canary (spec §4.2–4.7), for a given split. Pure: the same
/// canary, status and split always give the same JSON, so drift is a plain comparison.
/// </summary>
public static class HttpRouteSpec
{
    public static JsonObject Build(Canary canary, GatewayApiVersion version, int primaryWeight, int canaryWeight, bool mirrored)
    {
        var service = canary.Spec.Service;
        var analysis = canary.Analysis;
        var apex = WorkloadNames.ServiceName(canary);
        var primaryService = WorkloadNames.PrimaryServiceName(apex);
        var canaryService = WorkloadNames.CanaryServiceName(apex);
        var serviceMatches = ServiceMatches(service);

        JsonObject Backend(string name, int weight, JsonArray? filters = null)
        {
            var backend = new JsonObject
            {
                ["group"] = "",
                ["kind"] = "Service",
                ["name"] = name,
                ["port"] = service.Port,
                ["weight"] = weight,
            };
            if (filters is not null)
            {
                backend["filters"] = filters;
            }

            return backend;
        }

        JsonObject Rule(JsonArray matches, JsonArray backends, JsonArray? extraFilters = null)
        {
            var rule = new JsonObject { ["matches"] = matches };
            var filters = Filters(service, version);
            foreach (var extra in extraFilters ?? [])
            {
                filters.Add(extra!.DeepClone());
            }

            if (filters.Count > 0)
            {
                rule["filters"] = filters;
            }

            if (version.SupportsTimeouts && (service.Timeout is not null || service.BackendTimeout is not null))
            {
                var timeouts = new JsonObject();
                if (service.Timeout is not null)
                {
                    timeouts["request"] = service.Timeout;
                }

                if (service.BackendTimeout is not null)
                {
                    timeouts["backendRequest"] = service.BackendTimeout;
                }

                rule["timeouts"] = timeouts;
            }

            rule["backendRefs"] = backends;
            return rule;
        }

        // Blue/green mirroring: only when iterations are set (Flagger's rule; canary + mirror is rejected by validation).
        var mirror = mirrored && analysis.EffectiveIterations > 0
            ? new JsonArray(new JsonObject
            {
                ["type"] = "RequestMirror",
                ["requestMirror"] = new JsonObject { ["backendRef"] = new JsonObject { ["group"] = "", ["kind"] = "Service", ["name"] = canaryService, ["port"] = service.Port } },
            })
            : null;

        var rules = new JsonArray();
        if (analysis.SessionAffinity is { } affinity)
        {
            foreach (var rule in SessionAffinityRules(canary, version, affinity, serviceMatches, primaryService, canaryService, primaryWeight, canaryWeight, Backend, Rule))
            {
                rules.Add(rule);
            }
        }
        else if (analysis.Strategy == DeploymentStrategy.ABTesting)
        {
            rules.Add(Rule(ABMatches(analysis.Match!, serviceMatches), [Backend(primaryService, primaryWeight), Backend(canaryService, canaryWeight)], mirror));
            rules.Add(Rule(serviceMatches.DeepClone().AsArray(), [Backend(primaryService, 100)]));
        }
        else
        {
            rules.Add(Rule(serviceMatches, [Backend(primaryService, primaryWeight), Backend(canaryService, canaryWeight)], mirror));
        }

        var spec = new JsonObject
        {
            ["parentRefs"] = new JsonArray([.. (service.GatewayRefs ?? []).Select(ParentRef)]),
        };
        if (service.Hosts is { Count: > 0 } hosts)
        {
            spec["hostnames"] = new JsonArray([.. hosts.Select(h => JsonValue.Create(h))]);
        }

        spec["rules"] = rules;
        return spec;
    }

    /// <summary>
    /// The session cookie of the revision under analysis: <c>name=value</c> with ten letters derived from the
    /// canary and the revision, so every tick (and every replica of this controller) computes the same one.
    /// </summary>
    public static string Cookie(Canary canary, string cookieName, string? revision)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{canary.Metadata.Uid}/{canary.Metadata.Name}/{cookieName}/{revision}"));
        var letters = new char[10];
        for (var i = 0; i < letters.Length; i++)
        {
            letters[i] = (char)('a' + (hash[i] % 26));
        }

        return $"{cookieName}={new string(letters)}";
    }

    public static JsonObject ParentRef(GatewayReference reference)
    {
        var parent = new JsonObject
        {
            ["group"] = string.IsNullOrEmpty(reference.Group) ? GatewayApiVersion.Group : reference.Group,
            ["kind"] = string.IsNullOrEmpty(reference.Kind) ? "Gateway" : reference.Kind,
        };
        if (!string.IsNullOrEmpty(reference.Namespace))
        {
            parent["namespace"] = reference.Namespace;
        }

        parent["name"] = reference.Name;
        if (!string.IsNullOrEmpty(reference.SectionName))
        {
            parent["sectionName"] = reference.SectionName;
        }

        if (reference.Port is { } port)
        {
            parent["port"] = port;
        }

        return parent;
    }

    private static IEnumerable<JsonObject> SessionAffinityRules(
        Canary canary,
        GatewayApiVersion version,
        SessionAffinity affinity,
        JsonArray serviceMatches,
        string primaryService,
        string canaryService,
        int primaryWeight,
        int canaryWeight,
        Func<string, int, JsonArray?, JsonObject> backend,
        Func<JsonArray, JsonArray, JsonArray?, JsonObject> rule)
    {
        var status = canary.Status;
        var canaryCookie = Cookie(canary, affinity.CookieName, status?.LastAppliedSpec);
        if (canaryWeight > 0)
        {
            var maxAge = affinity.MaxAge is > 0 ? affinity.MaxAge.Value : 86400;
            var canaryBackend = backend(canaryService, canaryWeight, SetCookie(CookieHeader(canaryCookie, maxAge, affinity)));
            var primaryCookieName = version.SupportsPrimaryCookie ? affinity.PrimaryCookieName : null;
            var primaryCookie = primaryCookieName is null ? null : Cookie(canary, primaryCookieName, status?.LastPromotedSpec);
            var interval = (int)canary.Analysis.GetInterval().TotalSeconds;
            var primaryBackend = primaryCookie is null
                ? backend(primaryService, primaryWeight, null)
                : backend(primaryService, primaryWeight, SetCookie(CookieHeader(primaryCookie, interval, affinity)));

            yield return rule(CookieMatches(serviceMatches, canaryCookie), [backend(primaryService, 0, null), backend(canaryService, 100, null)], null);
            if (primaryCookie is not null)
            {
                yield return rule(CookieMatches(serviceMatches, primaryCookie), [backend(primaryService, 100, null), backend(canaryService, 0, null)], null);
            }

            yield return rule(serviceMatches.DeepClone().AsArray(), [primaryBackend, canaryBackend], null);
            yield break;
        }

        // At weight 0 (start, end of promotion, rollback) the revision's cookie is expired on its next request.
        var expire = new JsonArray(new JsonObject
        {
            ["type"] = "ResponseHeaderModifier",
            ["responseHeaderModifier"] = new JsonObject
            {
                ["add"] = new JsonArray(new JsonObject { ["name"] = "Set-Cookie", ["value"] = $"{canaryCookie}; Max-Age=-1" }),
            },
        });
        yield return rule(CookieMatches(serviceMatches, canaryCookie), [backend(primaryService, primaryWeight, null), backend(canaryService, canaryWeight, null)], expire);
        yield return rule(serviceMatches.DeepClone().AsArray(), [backend(primaryService, primaryWeight, null), backend(canaryService, canaryWeight, null)], null);
    }

    private static JsonArray SetCookie(string value) => new(new JsonObject
    {
        ["type"] = "ResponseHeaderModifier",
        ["responseHeaderModifier"] = new JsonObject
        {
            ["add"] = new JsonArray(new JsonObject { ["name"] = "Set-Cookie", ["value"] = value }),
        },
    });

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

    /// <summary>The service matches with their headers replaced by a Cookie header carrying <paramref name="cookie"/>.</summary>
    private static JsonArray CookieMatches(JsonArray serviceMatches, string cookie) =>
        new([.. serviceMatches.Select(match =>
        {
            var copy = match!.DeepClone().AsObject();
            copy["headers"] = new JsonArray(new JsonObject
            {
                ["name"] = "Cookie",
                ["type"] = "RegularExpression",
                ["value"] = $".*{cookie}.*",
            });
            return (JsonNode)copy;
        })]);

    /// <summary>Every analysis match crossed with every service match: path and method from the service, headers and query from the analysis.</summary>
    private static JsonArray ABMatches(IList<HttpMatchRequest> analysisMatches, JsonArray serviceMatches)
    {
        var matches = new JsonArray();
        foreach (var analysisMatch in analysisMatches)
        {
            var mapped = MapMatch(analysisMatch);
            foreach (var serviceMatch in serviceMatches)
            {
                var copy = serviceMatch!.DeepClone().AsObject();
                copy.Remove("headers");
                copy.Remove("queryParams");
                if (mapped["headers"] is { } headers)
                {
                    copy["headers"] = headers.DeepClone();
                }

                if (mapped["queryParams"] is { } query)
                {
                    copy["queryParams"] = query.DeepClone();
                }

                matches.Add(copy);
            }
        }

        return matches;
    }

    private static JsonArray ServiceMatches(CanaryService service) =>
        service.Match is { Count: > 0 } matches
            ? new JsonArray([.. matches.Select(m => (JsonNode)MapMatch(m))])
            : new JsonArray(new JsonObject { ["path"] = new JsonObject { ["type"] = "PathPrefix", ["value"] = "/" } });

    /// <summary>Istio's HTTPMatchRequest to an HTTPRouteMatch (spec §4.3). Validation rejects what cannot be mapped.</summary>
    public static JsonObject MapMatch(HttpMatchRequest match)
    {
        var result = new JsonObject();
        if (match.Uri is { } uri)
        {
            var (type, value) = uri switch
            {
                { Exact: { } exact } => ("Exact", exact),
                { Prefix: { } prefix } => ("PathPrefix", prefix),
                { Regex: { } regex } => ("RegularExpression", regex),
                _ => throw new InvalidOperationException("uri match needs exact, prefix or regex"),
            };
            result["path"] = new JsonObject { ["type"] = type, ["value"] = value };
        }
        else
        {
            result["path"] = new JsonObject { ["type"] = "PathPrefix", ["value"] = "/" };
        }

        if (match.Headers is { Count: > 0 } headers)
        {
            result["headers"] = ValueMatches(headers);
        }

        if (match.QueryParams is { Count: > 0 } query)
        {
            result["queryParams"] = ValueMatches(query);
        }

        if (match.Method?.Exact is { } method)
        {
            result["method"] = method;
        }

        return result;
    }

    private static JsonArray ValueMatches(IDictionary<string, StringMatch> matches) =>
        new([.. matches.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (JsonNode)new JsonObject
        {
            ["name"] = p.Key,
            ["type"] = p.Value.Regex is not null ? "RegularExpression" : "Exact",
            ["value"] = p.Value.Regex ?? p.Value.Exact ?? throw new InvalidOperationException($"match {p.Key} needs exact or regex"),
        })]);

    /// <summary>Rule filters in Flagger's order: request headers, response headers, rewrite, static mirrors, CORS.</summary>
    private static JsonArray Filters(CanaryService service, GatewayApiVersion version)
    {
        var filters = new JsonArray();
        if (HeaderModifier(service.Headers?.Request) is { } request)
        {
            filters.Add(new JsonObject { ["type"] = "RequestHeaderModifier", ["requestHeaderModifier"] = request });
        }

        if (HeaderModifier(service.Headers?.Response) is { } response)
        {
            filters.Add(new JsonObject { ["type"] = "ResponseHeaderModifier", ["responseHeaderModifier"] = response });
        }

        if (service.Rewrite is { } rewrite && (rewrite.Uri is not null || rewrite.Authority is not null))
        {
            var urlRewrite = new JsonObject();
            if (rewrite.Authority is not null)
            {
                urlRewrite["hostname"] = rewrite.Authority;
            }

            if (rewrite.Uri is not null)
            {
                urlRewrite["path"] = rewrite.Type == "ReplacePrefixMatch"
                    ? new JsonObject { ["type"] = "ReplacePrefixMatch", ["replacePrefixMatch"] = rewrite.Uri }
                    : new JsonObject { ["type"] = "ReplaceFullPath", ["replaceFullPath"] = rewrite.Uri };
            }

            filters.Add(new JsonObject { ["type"] = "URLRewrite", ["urlRewrite"] = urlRewrite });
        }

        foreach (var mirror in service.Mirror ?? [])
        {
            var backend = new JsonObject
            {
                ["group"] = mirror.BackendRef.Group ?? "",
                ["kind"] = mirror.BackendRef.Kind ?? "Service",
                ["name"] = mirror.BackendRef.Name,
            };
            if (mirror.BackendRef.Namespace is not null)
            {
                backend["namespace"] = mirror.BackendRef.Namespace;
            }

            if (mirror.BackendRef.Port is { } port)
            {
                backend["port"] = port;
            }

            filters.Add(new JsonObject { ["type"] = "RequestMirror", ["requestMirror"] = new JsonObject { ["backendRef"] = backend } });
        }

        if (version.SupportsCors && service.CorsPolicy is { } cors)
        {
            var policy = new JsonObject();
            AddList(policy, "allowOrigins", cors.AllowOrigin);
            AddList(policy, "allowMethods", cors.AllowMethods);
            AddList(policy, "allowHeaders", cors.AllowHeaders);
            AddList(policy, "exposeHeaders", cors.ExposeHeaders);
            if (cors.AllowCredentials is { } credentials)
            {
                policy["allowCredentials"] = credentials;
            }

            if (GoDuration.TryParse(cors.MaxAge, out var maxAge))
            {
                policy["maxAge"] = (int)maxAge.TotalSeconds;
            }

            filters.Add(new JsonObject { ["type"] = "CORS", ["cors"] = policy });
        }

        return filters;
    }

    private static JsonObject? HeaderModifier(HeaderOperation? operation)
    {
        if (operation is null)
        {
            return null;
        }

        var modifier = new JsonObject();
        if (operation.Add is { Count: > 0 } add)
        {
            modifier["add"] = NameValues(add);
        }

        if (operation.Set is { Count: > 0 } set)
        {
            modifier["set"] = NameValues(set);
        }

        if (operation.Remove is { Count: > 0 } remove)
        {
            modifier["remove"] = new JsonArray([.. remove.Select(r => JsonValue.Create(r))]);
        }

        return modifier.Count > 0 ? modifier : null;
    }

    private static JsonArray NameValues(IDictionary<string, string> headers) =>
        new([.. headers.OrderBy(h => h.Key, StringComparer.Ordinal).ThenBy(h => h.Value, StringComparer.Ordinal)
            .Select(h => (JsonNode)new JsonObject { ["name"] = h.Key, ["value"] = h.Value })]);

    private static void AddList(JsonObject target, string name, IList<string>? values)
    {
        if (values is { Count: > 0 })
        {
            target[name] = new JsonArray([.. values.Select(v => JsonValue.Create(v))]);
        }
    }
}
