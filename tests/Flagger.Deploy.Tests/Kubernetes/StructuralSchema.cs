using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;

namespace Flagger.Deploy.Tests.Kubernetes;

/// <summary>
/// Checks a JSON object against a CRD's structural <see cref="V1JSONSchemaProps"/>. A subset of what the
/// API server does, enough to catch a schema that would reject or prune a valid manifest, or accept an
/// invalid one: <c>type</c>, <c>required</c>, <c>properties</c> with unknown fields rejected (as
/// <c>kubectl apply</c>'s strict field validation does), <c>additionalProperties</c>,
/// <c>x-kubernetes-preserve-unknown-fields</c>, <c>x-kubernetes-int-or-string</c>, <c>items</c>,
/// <c>enum</c>, <c>pattern</c>, <c>minimum</c>, <c>maxItems</c>, and <c>anyOf</c>/<c>oneOf</c>.
/// Not checked: formats, CEL rules, <c>not</c>, <c>allOf</c>, defaults, string lengths, and ObjectMeta.
/// A null value counts as absent, as the API server prunes nulls of non-nullable fields.
/// </summary>
public static class StructuralSchema
{
    /// <summary>The errors, each <c>path: message</c>; empty when the value is valid.</summary>
    public static IReadOnlyList<string> Validate(V1JSONSchemaProps schema, JsonNode? value)
    {
        var errors = new List<string>();
        Check(schema, value, "", errors);
        return errors;
    }

    private static void Check(V1JSONSchemaProps schema, JsonNode? value, string path, List<string> errors)
    {
        if (value is null)
        {
            return;
        }

        if (schema.XKubernetesIntOrString == true)
        {
            if (!IsInteger(value) && value.GetValueKind() != JsonValueKind.String)
            {
                errors.Add($"{Name(path)}: must be an integer or a string");
            }
        }
        else if (schema.Type is { } type && !HasType(value, type))
        {
            errors.Add($"{Name(path)}: must be of type {type}, not {value.GetValueKind()}");
            return;
        }

        if (schema.EnumProperty is { Count: > 0 } allowed && !allowed.Any(a => SameScalar(a, value)))
        {
            errors.Add($"{Name(path)}: Unsupported value: {value.ToJsonString()} (supported: {string.Join(", ", allowed.Select(a => $"\"{a}\""))})");
        }

        if (schema.Pattern is { } pattern && value.GetValueKind() == JsonValueKind.String && !Regex.IsMatch(value.GetValue<string>(), pattern))
        {
            errors.Add($"{Name(path)}: must match {pattern}");
        }

        if (schema.Minimum is { } minimum && value.GetValueKind() == JsonValueKind.Number && Number(value) < minimum)
        {
            errors.Add($"{Name(path)}: must be at least {minimum.ToString(CultureInfo.InvariantCulture)}");
        }

        if (value is JsonObject obj)
        {
            CheckObject(schema, obj, path, errors);
        }
        else if (value is JsonArray array)
        {
            if (schema.MaxItems is { } maxItems && array.Count > maxItems)
            {
                errors.Add($"{Name(path)}: must have at most {maxItems} items");
            }

            if (AsSchema(schema.Items) is { } items)
            {
                for (var i = 0; i < array.Count; i++)
                {
                    Check(items, array[i], $"{path}[{i}]", errors);
                }
            }
        }

        if (schema.AnyOf is { Count: > 0 } anyOf && !anyOf.Any(branch => Validate(branch, value).Count == 0))
        {
            errors.Add($"{Name(path)}: must satisfy one of {Describe(anyOf)}");
        }

        if (schema.OneOf is { Count: > 0 } oneOf && oneOf.Count(branch => Validate(branch, value).Count == 0) != 1)
        {
            errors.Add($"{Name(path)}: must satisfy exactly one of {Describe(oneOf)}");
        }
    }

    private static void CheckObject(V1JSONSchemaProps schema, JsonObject obj, string path, List<string> errors)
    {
        foreach (var required in schema.Required ?? [])
        {
            if (obj[required] is null)
            {
                errors.Add($"{Join(path, required)}: Required value");
            }
        }

        var additional = AsSchema(schema.AdditionalProperties);
        var anyAdditional = schema.AdditionalProperties is true || schema.AdditionalProperties is string { } text && text == "true";
        foreach (var (key, child) in obj)
        {
            var childPath = Join(path, key);
            if (path.Length == 0 && key == "metadata")
            {
                continue; // ObjectMeta is the API server's, not the CRD's.
            }

            if (schema.Properties?.TryGetValue(key, out var property) == true)
            {
                Check(property, child, childPath, errors);
            }
            else if (additional is not null)
            {
                Check(additional, child, childPath, errors);
            }
            else if (schema.Type == "object" && schema.XKubernetesPreserveUnknownFields != true && !anyAdditional)
            {
                // Only a typed schema knows its fields: anyOf/oneOf branches carry only `required`.
                errors.Add($"{childPath}: unknown field");
            }
        }
    }

    private static bool HasType(JsonNode value, string type) => type switch
    {
        "object" => value is JsonObject,
        "array" => value is JsonArray,
        "string" => value.GetValueKind() == JsonValueKind.String,
        "boolean" => value.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
        "integer" => IsInteger(value),
        "number" => value.GetValueKind() == JsonValueKind.Number,
        _ => throw new NotSupportedException($"schema type {type}"),
    };

    private static bool IsInteger(JsonNode value) =>
        value.GetValueKind() == JsonValueKind.Number && double.IsInteger(Number(value));

    // A JsonValue holds the CLR type it was made from (long, double, JsonElement): read the number as text.
    private static double Number(JsonNode value) =>
        double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static bool SameScalar(object? allowed, JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.String => string.Equals(allowed?.ToString(), value.GetValue<string>(), StringComparison.Ordinal),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False =>
            string.Equals(allowed?.ToString(), value.ToJsonString(), StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary>
    /// <c>items</c> and <c>additionalProperties</c> are untyped in KubernetesClient's model: the YAML loader
    /// leaves them as dictionaries, the JSON one as elements. Both become a schema here.
    /// </summary>
    internal static V1JSONSchemaProps? AsSchema(object? value) => value switch
    {
        null or bool or string => null,
        V1JSONSchemaProps props => props,
        JsonElement element => KubernetesJson.Deserialize<V1JSONSchemaProps>(element.GetRawText()),
        _ => KubernetesYaml.Deserialize<V1JSONSchemaProps>(KubernetesYaml.Serialize(value)),
    };

    private static string Describe(IEnumerable<V1JSONSchemaProps> branches) =>
        string.Join(" | ", branches.Select(b => $"required [{string.Join(", ", b.Required ?? [])}]"));

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static string Name(string path) => path.Length == 0 ? "<root>" : path;
}
