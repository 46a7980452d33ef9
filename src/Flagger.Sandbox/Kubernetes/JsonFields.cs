using System.Text.Json;
using System.Text.Json.Nodes;

namespace Flagger.Sandbox.Kubernetes;

/// <summary>Reads numbers from JSON nodes whether they were parsed from text or built from an int or a long.</summary>
internal static class JsonFields
{
    public static long? Int64(JsonNode? node) => node switch
    {
        JsonValue value when value.TryGetValue<long>(out var l) => l,
        JsonValue value when value.TryGetValue<int>(out var i) => i,
        JsonValue value when value.TryGetValue<JsonElement>(out var e) && e.TryGetInt64(out var parsed) => parsed,
        _ => null,
    };
}
