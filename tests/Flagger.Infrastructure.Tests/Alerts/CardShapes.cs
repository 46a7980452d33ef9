using System.Text.Json;
using System.Text.Json.Nodes;

namespace Flagger.Infrastructure.Tests.Alerts;

/// <summary>
/// Structural checks of alert bodies against the recorded shapes in <c>Alerts/Fixtures</c>: a documented
/// message's properties and JSON types, and the Adaptive Card 1.4 elements an alert card may use.
/// Each check returns the problems it found (path: what), so a failing test names every one.
/// </summary>
internal static class CardShapes
{
    /// <summary>Properties whose value is part of the shape: they must equal the recorded one.</summary>
    private static readonly HashSet<string> s_discriminators = new(StringComparer.Ordinal) { "type", "$schema", "contentType", "@type", "@context" };

    public static JsonElement Fixture(string name) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Alerts", "Fixtures", name))).RootElement.Clone();

    /// <summary>
    /// Every property of <paramref name="recorded"/> is in <paramref name="actual"/> with the same JSON type
    /// (null stays null), and the discriminators (<c>type</c>, <c>$schema</c>, <c>contentType</c>, <c>@type</c>,
    /// <c>@context</c>) have the same value. An array element is compared with the recorded element of the same
    /// <c>type</c> (or the first, when the recorded ones have none); an element whose type was not recorded is
    /// left to <see cref="AdaptiveCardProblems"/>. Extra properties are allowed: a documented sample is minimal.
    /// </summary>
    public static List<string> ShapeProblems(JsonElement recorded, JsonElement actual, string path = "$")
    {
        var problems = new List<string>();
        Compare(recorded, actual, path, problems);
        return problems;
    }

    /// <summary>The card against the Adaptive Card 1.4 subset of <c>adaptive-card-1.4-elements.json</c>.</summary>
    public static List<string> AdaptiveCardProblems(JsonElement card)
    {
        var schema = Fixture("adaptive-card-1.4-elements.json");
        var problems = new List<string>();
        CheckObject(schema, schema.GetProperty("card"), card, "content", problems, common: false);
        return problems;
    }

    private static void Compare(JsonElement recorded, JsonElement actual, string path, List<string> problems)
    {
        if (Kind(recorded) != Kind(actual))
        {
            problems.Add($"{path}: {Kind(actual)} where the recorded shape has {Kind(recorded)}");
            return;
        }

        switch (recorded.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in recorded.EnumerateObject())
                {
                    var at = $"{path}.{property.Name}";
                    if (!actual.TryGetProperty(property.Name, out var value))
                    {
                        problems.Add($"{at}: missing");
                    }
                    else if (s_discriminators.Contains(property.Name) && property.Value.ValueKind == JsonValueKind.String
                        && property.Value.GetString() != value.GetString())
                    {
                        problems.Add($"{at}: '{value}' where the recorded shape has '{property.Value.GetString()}'");
                    }
                    else
                    {
                        Compare(property.Value, value, at, problems);
                    }
                }

                break;

            case JsonValueKind.Array:
                var recordedItems = recorded.EnumerateArray().ToList();
                var index = 0;
                foreach (var item in actual.EnumerateArray())
                {
                    var match = recordedItems.FirstOrDefault(r => TypeOf(r) is { } t && t == TypeOf(item));
                    if (match.ValueKind == JsonValueKind.Undefined && recordedItems.Count > 0 && recordedItems.All(r => TypeOf(r) is null))
                    {
                        match = recordedItems[0];
                    }

                    if (match.ValueKind != JsonValueKind.Undefined)
                    {
                        Compare(match, item, $"{path}[{index}]", problems);
                    }

                    index++;
                }

                if (recordedItems.Count > 0 && index == 0)
                {
                    problems.Add($"{path}: empty where the recorded shape has elements");
                }

                break;
        }
    }

    private static void CheckObject(JsonElement schema, JsonElement definition, JsonElement value, string path, List<string> problems, bool common)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            problems.Add($"{path}: {Kind(value)}, not an object");
            return;
        }

        foreach (var required in definition.GetProperty("required").EnumerateArray().Select(r => r.GetString()!))
        {
            if (!value.TryGetProperty(required, out _))
            {
                problems.Add($"{path}.{required}: required, missing");
            }
        }

        var properties = definition.GetProperty("properties");
        var commons = schema.GetProperty("common");
        foreach (var property in value.EnumerateObject())
        {
            var at = $"{path}.{property.Name}";
            if (properties.TryGetProperty(property.Name, out var rule) || (common && commons.TryGetProperty(property.Name, out rule)))
            {
                CheckValue(schema, rule, property.Value, at, problems);
            }
            else
            {
                problems.Add($"{at}: not a property of this element in Adaptive Cards {schema.GetProperty("version").GetString()}");
            }
        }
    }

    private static void CheckValue(JsonElement schema, JsonElement rule, JsonElement value, string path, List<string> problems)
    {
        if (rule.ValueKind == JsonValueKind.Object)
        {
            var allowed = rule.GetProperty("enum").EnumerateArray().Select(e => e.GetString()!).ToList();
            if (value.ValueKind != JsonValueKind.String || !allowed.Contains(value.GetString()!, StringComparer.OrdinalIgnoreCase))
            {
                problems.Add($"{path}: {value.GetRawText()} is none of {string.Join(", ", allowed)}");
            }

            return;
        }

        switch (rule.GetString())
        {
            case "elements":
                CheckArray(value, path, problems, (item, at) =>
                {
                    var type = TypeOf(item);
                    if (type is null || !schema.GetProperty("elements").TryGetProperty(type, out var element))
                    {
                        problems.Add($"{at}: element type '{type}' is not one the alert card may use");
                        return;
                    }

                    CheckObject(schema, element, item, $"{at}<{type}>", problems, common: true);
                });
                break;
            case "facts":
                CheckArray(value, path, problems, (item, at) => CheckObject(schema, schema.GetProperty("fact"), item, at, problems, common: false));
                break;
            case "msteams":
                CheckObject(schema, schema.GetProperty("msteams"), value, path, problems, common: false);
                break;
            case var kind when kind != Kind(value):
                problems.Add($"{path}: {Kind(value)} where {kind} is expected");
                break;
        }
    }

    private static void CheckArray(JsonElement value, string path, List<string> problems, Action<JsonElement, string> check)
    {
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
        {
            problems.Add($"{path}: must be a non-empty array");
            return;
        }

        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            check(item, $"{path}[{index++}]");
        }
    }

    private static string? TypeOf(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String ? type.GetString() : null;

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Number => "number",
        JsonValueKind.String => "string",
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "array",
        JsonValueKind.Object => "object",
        _ => "undefined",
    };

    public static bool SameJson(JsonElement a, JsonElement b) => JsonNode.DeepEquals(JsonNode.Parse(a.GetRawText()), JsonNode.Parse(b.GetRawText()));
}
