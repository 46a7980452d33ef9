using System.Text.Json.Nodes;

namespace Flagger.Sandbox.Kubernetes;

/// <summary>The discovery documents kubectl and clients read: /version, /api, /api/v1, /apis, /apis/{group}[/{version}].</summary>
internal static class Discovery
{
    private static readonly string[] s_verbs = ["create", "delete", "get", "list", "patch", "update", "watch"];

    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "31",
        ["gitVersion"] = "v1.31.0-flagger-fake",
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2024-08-13T00:00:00Z",
        ["goVersion"] = "go1.22.5",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject
        {
            ["clientCIDR"] = "0.0.0.0/0",
            ["serverAddress"] = serverAddress,
        }),
    };

    public static JsonObject Groups() => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray([.. GroupNames().Select(g => (JsonNode)Group(g))]),
    };

    public static JsonObject? GroupOrNull(string group) => GroupNames().Contains(group) ? Group(group) : null;

    public static JsonObject? Resources(string group, string version)
    {
        var resources = ApiResources.All.Where(r => r.Group == group && r.Serves(version)).ToList();
        if (resources.Count == 0)
        {
            return null;
        }

        var list = new JsonArray();
        foreach (var resource in resources)
        {
            list.Add(new JsonObject
            {
                ["name"] = resource.Plural,
                ["singularName"] = resource.Singular,
                ["namespaced"] = resource.Namespaced,
                ["kind"] = resource.Kind,
                ["verbs"] = new JsonArray([.. s_verbs.Select(v => (JsonNode)v)]),
            });
            if (resource.ShortNames.Count > 0)
            {
                list[^1]!["shortNames"] = new JsonArray([.. resource.ShortNames.Select(n => (JsonNode)n)]);
            }

            if (resource.Categories.Count > 0)
            {
                list[^1]!["categories"] = new JsonArray([.. resource.Categories.Select(c => (JsonNode)c)]);
            }

            if (resource.HasStatusSubresource)
            {
                list.Add(new JsonObject
                {
                    ["name"] = resource.Plural + "/status",
                    ["singularName"] = "",
                    ["namespaced"] = resource.Namespaced,
                    ["kind"] = resource.Kind,
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = resources[0].ApiVersion(version),
            ["resources"] = list,
        };
    }

    private static IEnumerable<string> GroupNames() =>
        ApiResources.All.Select(r => r.Group).Where(g => g.Length > 0).Distinct();

    private static JsonObject Group(string group)
    {
        var versions = ApiResources.All.Where(r => r.Group == group).SelectMany(r => r.Versions).Distinct().ToList();
        JsonObject Version(string v) => new() { ["groupVersion"] = $"{group}/{v}", ["version"] = v };
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = group,
            ["versions"] = new JsonArray([.. versions.Select(v => (JsonNode)Version(v))]),
            ["preferredVersion"] = Version(versions[0]),
        };
    }
}
