using System.Text.Json;

namespace Flagger.Deploy.Tests.Bicep;

/// <summary>
/// What a deployment of infra/main.bicep would create with given parameters: <c>bicep snapshot</c> evaluates
/// the compiled ARM template (conditions, loops, modules in other resource groups) against a parameter file
/// and lists the predicted resources, offline. Values Azure knows only at deployment (reference(),
/// environment()) stay ARM expressions.
/// </summary>
public sealed class DeploymentSnapshot
{
    public const string SubscriptionId = "00000000-0000-0000-0000-000000000001";
    public const string ResourceGroup = "rg-flagger";
    public const string Location = "westeurope";

    private DeploymentSnapshot(IReadOnlyList<JsonElement> resources) => Resources = resources;

    public IReadOnlyList<JsonElement> Resources { get; }

    /// <summary>Snapshot of main.bicep with these parameter lines (Bicep syntax) after the required ones.</summary>
    public static Task<DeploymentSnapshot> OfMainAsync(params string[] parameterLines) =>
        OfAsync(
            "main.bicep",
            new[] { "param aksClusterName = 'aks-prod'", "param prometheusAddress = 'http://10.224.0.200:9090'" }.Concat(parameterLines));

    /// <summary>Snapshot of a parameter file of infra/, copied out so that the snapshot file lands elsewhere.</summary>
    public static async Task<DeploymentSnapshot> OfParameterFileAsync(string parameterFile)
    {
        var lines = await File.ReadAllLinesAsync(Path.Combine(RepositoryFiles.Root, parameterFile));
        var usingLine = lines.Single(l => l.StartsWith("using ", StringComparison.Ordinal));
        var template = usingLine.Split('\'')[1];
        return await OfAsync(template, lines.Where(l => l != usingLine));
    }

    private static async Task<DeploymentSnapshot> OfAsync(string template, IEnumerable<string> parameterLines)
    {
        var dir = Directory.CreateTempSubdirectory("flagger-bicep-snapshot-");
        try
        {
            var templatePath = Path.GetRelativePath(dir.FullName, Path.Combine(RepositoryFiles.Infra, template)).Replace('\\', '/');
            var parameterFile = Path.Combine(dir.FullName, "case.bicepparam");
            await File.WriteAllLinesAsync(parameterFile, new[] { $"using '{templatePath}'" }.Concat(parameterLines));

            var result = await BicepCli.RunAsync(
                "snapshot", parameterFile,
                "--subscription-id", SubscriptionId,
                "--resource-group", ResourceGroup,
                "--location", Location);
            BicepCli.AssertClean(result);

            using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir.FullName, "case.snapshot.json")));
            Assert.Empty(json.RootElement.GetProperty("diagnostics").EnumerateArray());
            return new DeploymentSnapshot(
                json.RootElement.GetProperty("predictedResources").EnumerateArray().Select(r => r.Clone()).ToList());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    public static string GroupId(string resourceGroup = ResourceGroup, string subscriptionId = SubscriptionId) =>
        $"/subscriptions/{subscriptionId}/resourceGroups/{resourceGroup}";

    public IEnumerable<JsonElement> OfType(string type) =>
        Resources.Where(r => string.Equals(r.GetProperty("type").GetString(), type, StringComparison.OrdinalIgnoreCase));

    public JsonElement Single(string type)
    {
        var matches = OfType(type).ToList();
        Assert.True(matches.Count == 1, $"expected one {type}, found {matches.Count}");
        return matches[0];
    }

    public JsonElement Site => Single("Microsoft.Web/sites");
}

public static class JsonPaths
{
    /// <summary>The value at a dotted path of properties (<c>properties.subnet.id</c>), or null when any is missing.</summary>
    public static JsonElement? At(this JsonElement element, string path)
    {
        var current = element;
        foreach (var name in path.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
            {
                return null;
            }
        }

        return current;
    }

    public static string? StringAt(this JsonElement element, string path) =>
        element.At(path) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    public static string Id(this JsonElement resource) => resource.GetProperty("id").GetString()!;
}
