using System.Collections;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;

namespace Flagger.Sandbox.Kubernetes;

/// <summary>
/// The schema of every served kind, as OpenAPI v3 <c>components.schemas</c>: custom resources from their
/// CRD's <c>openAPIV3Schema</c> (the embedded <c>infra/kubernetes/crds</c>; HTTPRoute, whose CRD is not ours,
/// keeps unknown fields), built-ins from the KubernetesClient models (every field of the Kubernetes API,
/// without descriptions). Names follow kube-apiserver's (<c>io.k8s.api.apps.v1.Deployment</c>,
/// <c>app.flagger.v1beta1.Canary</c>), so kubectl explain shows <c>&lt;DeploymentSpec&gt;</c>, <c>&lt;ObjectMeta&gt;</c>.
/// </summary>
internal static partial class OpenApiSchemas
{
    private const string MetaPackage = "io.k8s.apimachinery.pkg.apis.meta.v1";
    private const string ObjectMetaName = MetaPackage + ".ObjectMeta";

    private static readonly HashSet<string> s_metaTypes =
        ["ObjectMeta", "ManagedFieldsEntry", "OwnerReference", "LabelSelector", "LabelSelectorRequirement", "ListMeta", "Condition"];

    private static readonly Dictionary<ApiResource, Type> s_models = new()
    {
        [ApiResources.Namespaces] = typeof(V1Namespace),
        [ApiResources.Services] = typeof(V1Service),
        [ApiResources.ConfigMaps] = typeof(V1ConfigMap),
        [ApiResources.Secrets] = typeof(V1Secret),
        [ApiResources.Events] = typeof(Corev1Event),
        [ApiResources.Deployments] = typeof(V1Deployment),
        [ApiResources.HorizontalPodAutoscalers] = typeof(V2HorizontalPodAutoscaler),
    };

    private static readonly Dictionary<(ApiResource, string), Lazy<KindSchema>> s_kinds = ApiResources.All
        .SelectMany(r => r.Versions.Select(v => (r, v)))
        .ToDictionary(k => k, k => new Lazy<KindSchema>(() => Build(k.r, k.v)));

    /// <summary>The schema of one kind at one version: the name of its root schema and every schema it refers to.</summary>
    public static KindSchema Of(ApiResource resource, string version) => s_kinds[(resource, version)].Value;

    private static KindSchema Build(ApiResource resource, string version)
    {
        var components = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        Model(typeof(V1ObjectMeta), MetaPackage, components);
        string root;
        JsonObject schema;
        if (s_models.TryGetValue(resource, out var model))
        {
            var package = $"io.k8s.api.{(resource.Group.Length == 0 ? "core" : resource.Group.Split('.')[0])}.{version}";
            root = Model(model, package, components)!;
            schema = components[root];
        }
        else
        {
            root = $"{string.Join('.', resource.Group.Split('.').Reverse())}.{version}.{resource.Kind}";
            schema = CustomResourceSchema(resource, version);
            components[root] = schema;
        }

        schema["x-kubernetes-group-version-kind"] = new JsonArray(new JsonObject
        {
            ["group"] = resource.Group,
            ["kind"] = resource.Kind,
            ["version"] = version,
        });
        return new KindSchema(resource, version, root, components);
    }

    private static JsonObject CustomResourceSchema(ApiResource resource, string version)
    {
        var definition = ApiResources.DefinitionOf(resource);
        var declared = definition?.Spec.Versions.FirstOrDefault(v => v.Name == version)?.Schema?.OpenAPIV3Schema;
        var schema = declared is null
            ? new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true, ["properties"] = new JsonObject() }
            : JsonNode.Parse(KubernetesJson.Serialize(declared))!.AsObject();
        var properties = schema["properties"] as JsonObject ?? [];
        schema["properties"] = properties;
        properties["apiVersion"] = new JsonObject
        {
            ["type"] = "string",
            ["description"] = "APIVersion defines the versioned schema of this representation of an object. Servers should convert "
                + "recognized schemas to the latest internal value, and may reject unrecognized values.",
        };
        properties["kind"] = new JsonObject
        {
            ["type"] = "string",
            ["description"] = "Kind is a string value representing the REST resource this object represents. Servers may infer this "
                + "from the endpoint the client submits requests to. Cannot be updated. In CamelCase.",
        };
        properties["metadata"] = new JsonObject
        {
            ["allOf"] = new JsonArray(new JsonObject { ["$ref"] = "#/components/schemas/" + ObjectMetaName }),
            ["description"] = "Standard object's metadata.",
        };
        return schema;
    }

    /// <summary>The schema of a model type: a <c>$ref</c> to a component for classes (added on first sight), inline otherwise.</summary>
    private static JsonObject Schema(Type type, string package, Dictionary<string, JsonObject> components)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string))
        {
            return new JsonObject { ["type"] = "string" };
        }

        if (type == typeof(bool))
        {
            return new JsonObject { ["type"] = "boolean" };
        }

        if (type == typeof(int) || type == typeof(long) || type == typeof(short))
        {
            return new JsonObject { ["type"] = "integer", ["format"] = type == typeof(long) ? "int64" : "int32" };
        }

        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return new JsonObject { ["type"] = "number", ["format"] = "double" };
        }

        if (type == typeof(DateTime) || type == typeof(DateTimeOffset))
        {
            return new JsonObject { ["type"] = "string", ["format"] = "date-time" };
        }

        if (type == typeof(byte[]))
        {
            return new JsonObject { ["type"] = "string", ["format"] = "byte" };
        }

        if (type == typeof(IntOrString) || type == typeof(ResourceQuantity))
        {
            return new JsonObject { ["x-kubernetes-int-or-string"] = true };
        }

        if (type == typeof(object))
        {
            return new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
        }

        if (DictionaryValue(type) is { } value)
        {
            return new JsonObject { ["type"] = "object", ["additionalProperties"] = Schema(value, package, components) };
        }

        if (type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type) && ElementType(type) is { } element)
        {
            return new JsonObject { ["type"] = "array", ["items"] = Schema(element, package, components) };
        }

        return new JsonObject { ["$ref"] = "#/components/schemas/" + Model(type, package, components) };
    }

    private static string? Model(Type type, string package, Dictionary<string, JsonObject> components)
    {
        var match = VersionPrefix().Match(type.Name);
        var local = match.Success ? match.Groups["name"].Value : type.Name;
        var version = match.Success ? match.Groups["version"].Value.ToLowerInvariant() : "v1";
        var name = s_metaTypes.Contains(local) ? $"{MetaPackage}.{local}" : $"{package[..package.LastIndexOf('.')]}.{version}.{local}";
        if (components.ContainsKey(name))
        {
            return name;
        }

        var properties = new JsonObject();
        var schema = new JsonObject { ["type"] = "object", ["properties"] = properties };
        components[name] = schema;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<JsonPropertyNameAttribute>() is { } json)
            {
                properties[json.Name] = Schema(property.PropertyType, package, components);
            }
        }

        return name;
    }

    private static Type? DictionaryValue(Type type) =>
        (type.IsGenericType && type.GetGenericTypeDefinition() is var d && (d == typeof(IDictionary<,>) || d == typeof(Dictionary<,>)))
            ? type.GetGenericArguments()[1]
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>))?.GetGenericArguments()[1];

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.IsGenericType && type.GetGenericArguments().Length == 1 ? type.GetGenericArguments()[0]
        : null;

    // V1Deployment, V2HorizontalPodAutoscaler, V1beta1…; Corev1Event is core/v1 Event.
    [GeneratedRegex("^(?:Corev1(?<name>Event)|(?<version>V[0-9]+(?:alpha[0-9]+|beta[0-9]+)?)(?<name>[A-Z].*))$")]
    private static partial Regex VersionPrefix();
}

/// <summary>One kind's schema at one version.</summary>
internal sealed record KindSchema(ApiResource Resource, string Version, string RootName, IReadOnlyDictionary<string, JsonObject> Components)
{
    /// <summary>A schema with its <c>$ref</c> (or a lone <c>allOf</c> of one) followed.</summary>
    public JsonObject Resolve(JsonObject schema)
    {
        for (var depth = 0; depth < 8; depth++)
        {
            var reference = schema["$ref"]?.GetValue<string>()
                ?? (schema["allOf"] is JsonArray { Count: 1 } allOf ? allOf[0]?["$ref"]?.GetValue<string>() : null);
            if (reference is null)
            {
                return schema;
            }

            schema = Components[reference[(reference.LastIndexOf('/') + 1)..]];
        }

        return schema;
    }

    /// <summary>The fields of <paramref name="obj"/> its schema does not declare, as kube-apiserver names them
    /// (<c>spec.analysis.metrics[0].foo</c>). Keys starting with <c>$</c> are strategic merge directives, not fields.</summary>
    public IReadOnlyList<string> UnknownFields(JsonNode obj)
    {
        var unknown = new List<string>();
        Walk(obj, Components[RootName], "", unknown);
        return unknown;
    }

    private void Walk(JsonNode? value, JsonObject schema, string path, List<string> unknown)
    {
        schema = Resolve(schema);
        if (schema["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true || value is null)
        {
            return;
        }

        switch (value)
        {
            case JsonObject obj when schema["properties"] is JsonObject properties:
                foreach (var (key, child) in obj)
                {
                    var at = path.Length == 0 ? key : $"{path}.{key}";
                    if (key.StartsWith('$'))
                    {
                        continue;
                    }

                    if (properties[key] is JsonObject declared)
                    {
                        Walk(child, declared, at, unknown);
                    }
                    else if (schema["additionalProperties"] is JsonObject additional)
                    {
                        Walk(child, additional, at, unknown);
                    }
                    else if (schema["additionalProperties"]?.GetValueKind() != System.Text.Json.JsonValueKind.True)
                    {
                        unknown.Add(at);
                    }
                }

                break;
            case JsonObject map when schema["additionalProperties"] is JsonObject values:
                foreach (var (key, child) in map)
                {
                    Walk(child, values, path.Length == 0 ? key : $"{path}.{key}", unknown);
                }

                break;
            case JsonArray array when schema["items"] is JsonObject items:
                for (var i = 0; i < array.Count; i++)
                {
                    Walk(array[i], items, $"{path}[{i}]", unknown);
                }

                break;
        }
    }
}
