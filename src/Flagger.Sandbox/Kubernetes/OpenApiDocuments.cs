using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Flagger.Sandbox.Kubernetes;

/// <summary>
/// <c>/openapi/v3</c> (the root listing each group-version's document), <c>/openapi/v3/api/v1</c>,
/// <c>/openapi/v3/apis/{group}/{version}</c> and <c>/openapi/v2</c>, from <see cref="OpenApiSchemas"/>. Every
/// operation carries <c>x-kubernetes-action</c> and <c>x-kubernetes-group-version-kind</c>, and PATCH, POST and
/// PUT list the <c>fieldValidation</c> query parameter: that is how kubectl decides to leave validation to the
/// server (it then sends <c>fieldValidation=Strict</c>) instead of validating against <c>/openapi/v2</c>.
/// </summary>
internal static class OpenApiDocuments
{
    private static readonly Lazy<Dictionary<string, string>> s_v3 = new(() => GroupVersions().ToDictionary(
        gv => gv,
        gv => V3(gv).ToJsonString(),
        StringComparer.Ordinal));

    private static readonly Lazy<string> s_v2 = new(() => V2().ToJsonString());

    /// <summary>The root: each group-version's path and the URL (with its content hash) of its document.</summary>
    public static JsonObject V3Root()
    {
        var paths = new JsonObject();
        foreach (var (groupVersion, document) in s_v3.Value.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            var hash = Convert.ToHexString(SHA512.HashData(Encoding.UTF8.GetBytes(document)));
            paths[groupVersion] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{groupVersion}?hash={hash}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>The document of <c>api/v1</c> or <c>apis/{group}/{version}</c>, or null when not served.</summary>
    public static string? V3Document(string groupVersionPath) => s_v3.Value.GetValueOrDefault(groupVersionPath);

    public static string V2Document() => s_v2.Value;

    /// <summary>Whether an <c>Accept</c> header takes JSON (kube-apiserver also serves protobuf, which the fake does not).</summary>
    public static bool AcceptsJson(string? accept) =>
        string.IsNullOrWhiteSpace(accept)
        || accept.Split(',').Select(a => a.Split(';')[0].Trim()).Any(a => a is "application/json" or "*/*" or "application/*");

    private static IEnumerable<string> GroupVersions() => ApiResources.All
        .SelectMany(r => r.Versions.Select(v => PathOf(r.Group, v)))
        .Distinct();

    private static string PathOf(string group, string version) => group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";

    private static IEnumerable<(ApiResource Resource, string Version)> KindsIn(string groupVersionPath) =>
        ApiResources.All.SelectMany(r => r.Versions.Select(v => (r, v))).Where(k => PathOf(k.r.Group, k.v) == groupVersionPath);

    private static JsonObject V3(string groupVersionPath)
    {
        var paths = new JsonObject();
        var schemas = new JsonObject();
        foreach (var (resource, version) in KindsIn(groupVersionPath))
        {
            var kind = OpenApiSchemas.Of(resource, version);
            foreach (var (name, schema) in kind.Components)
            {
                schemas[name] ??= schema.DeepClone();
            }

            foreach (var (path, operations) in Paths(resource, version, "#/components/schemas/" + kind.RootName, v3: true))
            {
                paths[path] = operations;
            }
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = Info(),
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    private static JsonObject V2()
    {
        var paths = new JsonObject();
        var definitions = new JsonObject();
        foreach (var resource in ApiResources.All)
        {
            foreach (var version in resource.Versions)
            {
                var kind = OpenApiSchemas.Of(resource, version);
                foreach (var (name, schema) in kind.Components)
                {
                    definitions[name] ??= JsonNode.Parse(schema.ToJsonString().Replace("#/components/schemas/", "#/definitions/", StringComparison.Ordinal));
                }

                foreach (var (path, operations) in Paths(resource, version, "#/definitions/" + kind.RootName, v3: false))
                {
                    paths[path] = operations;
                }
            }
        }

        return new JsonObject { ["swagger"] = "2.0", ["info"] = Info(), ["paths"] = paths, ["definitions"] = definitions };
    }

    private static JsonObject Info() => new() { ["title"] = "Kubernetes", ["version"] = Discovery.Version()["gitVersion"]!.GetValue<string>() };

    private static IEnumerable<(string Path, JsonObject Operations)> Paths(ApiResource resource, string version, string rootRef, bool v3)
    {
        var prefix = "/" + PathOf(resource.Group, version);
        var collection = resource.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{resource.Plural}" : $"{prefix}/{resource.Plural}";
        var scope = resource.Namespaced ? "Namespaced" : "";
        Operation Op(string verb, string action) => new(verb, action, resource, version, rootRef, v3);
        yield return (collection, Operations(
            Op("get", "list") with { Id = $"list{scope}{resource.Kind}" },
            Op("post", "post") with { Id = $"create{scope}{resource.Kind}", Writes = true }));
        yield return (collection + "/{name}", Operations(
            Op("get", "get") with { Id = $"read{scope}{resource.Kind}" },
            Op("put", "put") with { Id = $"replace{scope}{resource.Kind}", Writes = true },
            Op("patch", "patch") with { Id = $"patch{scope}{resource.Kind}", Writes = true },
            Op("delete", "delete") with { Id = $"delete{scope}{resource.Kind}" }));
        if (resource.HasStatusSubresource)
        {
            yield return (collection + "/{name}/status", Operations(
                Op("get", "get") with { Id = $"read{scope}{resource.Kind}Status" },
                Op("put", "put") with { Id = $"replace{scope}{resource.Kind}Status", Writes = true },
                Op("patch", "patch") with { Id = $"patch{scope}{resource.Kind}Status", Writes = true }));
        }

        if (resource.Namespaced)
        {
            yield return ($"{prefix}/{resource.Plural}", Operations(Op("get", "list") with { Id = $"list{resource.Kind}ForAllNamespaces" }));
        }
    }

    private static JsonObject Operations(params Operation[] operations)
    {
        var path = new JsonObject();
        foreach (var operation in operations)
        {
            path[operation.Verb] = operation.ToJson();
        }

        return path;
    }

    private sealed record Operation(string Verb, string Action, ApiResource Resource, string Version, string RootRef, bool V3)
    {
        public string Id { get; init; } = "";

        public bool Writes { get; init; }

        public JsonObject ToJson()
        {
            var parameters = new JsonArray();
            if (Writes)
            {
                parameters.Add(Query("dryRun", "When present, indicates that modifications should not be persisted."));
                parameters.Add(Query("fieldManager", "fieldManager is a name associated with the actor or entity that is making these changes."));
                parameters.Add(Query("fieldValidation",
                    "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown "
                    + "or duplicate fields. Valid values are: Ignore, Warn (the default) and Strict."));
            }

            var schema = new JsonObject { ["$ref"] = RootRef };
            var response = V3
                ? new JsonObject { ["description"] = "OK", ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = schema } } }
                : new JsonObject { ["description"] = "OK", ["schema"] = schema };
            return new JsonObject
            {
                ["operationId"] = Id,
                ["parameters"] = parameters,
                ["responses"] = new JsonObject { ["200"] = response },
                ["x-kubernetes-action"] = Action,
                ["x-kubernetes-group-version-kind"] = new JsonObject
                {
                    ["group"] = Resource.Group,
                    ["kind"] = Resource.Kind,
                    ["version"] = Version,
                },
            };
        }

        private JsonObject Query(string name, string description) => V3
            ? new JsonObject { ["name"] = name, ["in"] = "query", ["description"] = description, ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true } }
            : new JsonObject { ["name"] = name, ["in"] = "query", ["description"] = description, ["type"] = "string", ["uniqueItems"] = true };
    }
}
