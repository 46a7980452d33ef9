using System.Globalization;
using System.Text.Json.Nodes;
using Flagger.Core.Model;
using Flagger.Core.Workloads;
using k8s;
using YamlDotNet.RepresentationModel;

namespace Flagger.Testing.Canaries;

/// <summary>
/// The objects of a manifest Flagger left behind (tests/Flagger.Core.Tests/Analysis/Fixtures, linked into each test
/// project that uses it), as the JSON the API server stores: plain scalars that read as numbers, booleans or null
/// are typed, quoted ones stay strings. The Canary is read from that JSON as the cluster adapter reads it.
/// </summary>
public sealed class FlaggerFixture
{
    private FlaggerFixture(IReadOnlyList<JsonObject> documents) => Documents = documents;

    public IReadOnlyList<JsonObject> Documents { get; }

    public static FlaggerFixture Load(string fileName) =>
        new(ToJson(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Analysis", "Fixtures", fileName))));

    public JsonObject Object(string kind, string name) =>
        Documents.Single(d => (string?)d["kind"] == kind && (string?)d["metadata"]?["name"] == name);

    public Canary Canary() => KubernetesJson.Deserialize<Canary>(Object(Core.Model.Canary.KubeKind, "podinfo").ToJsonString());

    public string Image(string deployment) =>
        (string)Object("Deployment", deployment)["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!;

    /// <summary>
    /// The in-memory world as the fixture has it: the Canary with Flagger's status, the target at its image, scaled
    /// to its replicas, its ConfigMap tracked, and the primary (with the config copies) and route left by Flagger.
    /// No tick of ours has run (no checkpoint).
    /// </summary>
    public InMemoryWorld World()
    {
        var world = new InMemoryWorld(Canary(), Image("podinfo"));
        world.Target.Replicas = (int?)Object("Deployment", "podinfo")["spec"]!["replicas"] ?? 1;
        var data = Object("ConfigMap", "podinfo-config")["data"]!.AsObject().ToDictionary(p => p.Key, p => (string)p.Value!);
        world.TargetConfigs["configmap/podinfo-config"] = ConfigChecksum.Compute(data, null);
        world.SeedPrimary(Image("podinfo-primary"));
        return world;
    }

    public static IReadOnlyList<JsonObject> ToJson(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return [.. stream.Documents.Select(d => Convert(d.RootNode)).OfType<JsonObject>()];
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode mapping => new JsonObject(mapping.Children.Select(p =>
            KeyValuePair.Create(((YamlScalarNode)p.Key).Value!, Convert(p.Value)))),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(Convert)]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new NotSupportedException(node.GetType().Name),
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style != YamlDotNet.Core.ScalarStyle.Plain)
        {
            return JsonValue.Create(value);
        }

        return value switch
        {
            "null" or "~" or "" => null,
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            // Parsed rather than created from a long, so it reads back as any numeric type (as the API server's JSON does).
            _ when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) => JsonNode.Parse(value),
            _ => JsonValue.Create(value),
        };
    }
}
