using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Flagger.Core.Workloads;

/// <summary>
/// The revision of a pod template (Flagger's <c>lastAppliedSpec</c>/<c>lastPromotedSpec</c>, spec §2.13).
/// Not compatible with Flagger's FNV-32a hash and need not be: only equality between our own hashes matters.
/// </summary>
public static class PodTemplateHash
{
    /// <summary>
    /// SHA-256 over the template's JSON with object keys sorted at every depth (so label or annotation maps
    /// built in a different order hash the same), as the first 16 lowercase hex characters.
    /// </summary>
    public static string Compute(V1PodTemplateSpec template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var node = JsonNode.Parse(KubernetesJson.Serialize(template));
        return CanonicalJson.Sha256Prefix(node);
    }
}

/// <summary>Key-sorted, compact JSON and its hash prefix; arrays keep their order because order matters there.</summary>
internal static class CanonicalJson
{
    public const int HashLength = 16;

    public static string Sha256Prefix(JsonNode? node)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, node);
        }

        return Sha256Prefix(buffer.ToArray());
    }

    public static string Sha256Prefix(ReadOnlySpan<byte> bytes) =>
        Convert.ToHexStringLower(SHA256.HashData(bytes))[..HashLength];

    private static void Write(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(key);
                    Write(writer, value);
                }

                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                node.WriteTo(writer);
                break;
        }
    }
}
