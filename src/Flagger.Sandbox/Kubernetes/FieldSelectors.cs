using System.Text.Json.Nodes;

namespace Flagger.Sandbox.Kubernetes;

/// <summary>
/// The fields each resource can be selected by (<c>fieldSelector=involvedObject.name=podinfo</c>), as
/// kube-apiserver registers them: <c>metadata.name</c> and <c>metadata.namespace</c> everywhere, plus the
/// Event fields kubectl describe filters on, Secret <c>type</c> and Namespace <c>status.phase</c>.
/// </summary>
internal static class FieldSelectors
{
    private static readonly Dictionary<string, string[]> s_eventFields = new(StringComparer.Ordinal)
    {
        ["involvedObject.kind"] = ["involvedObject", "kind"],
        ["involvedObject.namespace"] = ["involvedObject", "namespace"],
        ["involvedObject.name"] = ["involvedObject", "name"],
        ["involvedObject.uid"] = ["involvedObject", "uid"],
        ["involvedObject.apiVersion"] = ["involvedObject", "apiVersion"],
        ["involvedObject.resourceVersion"] = ["involvedObject", "resourceVersion"],
        ["involvedObject.fieldPath"] = ["involvedObject", "fieldPath"],
        ["reason"] = ["reason"],
        ["reportingComponent"] = ["reportingComponent"],
        ["source"] = ["source", "component"],
        ["type"] = ["type"],
    };

    /// <summary>Refuses (400) a selector on a field the resource does not support, before anything is listed.</summary>
    public static LabelSelector Checked(ApiResource resource, LabelSelector fields)
    {
        foreach (var field in fields.Keys)
        {
            Value(resource, [], field);
        }

        return fields;
    }

    /// <summary>The field's value on the object (empty when unset, as the real server compares it), or a 400 for a field the resource does not support.</summary>
    public static string Value(ApiResource resource, JsonObject obj, string field)
    {
        string[]? path = field switch
        {
            "metadata.name" => ["metadata", "name"],
            "metadata.namespace" => ["metadata", "namespace"],
            _ when resource == ApiResources.Events => s_eventFields.GetValueOrDefault(field),
            "type" when resource == ApiResources.Secrets => ["type"],
            "status.phase" when resource == ApiResources.Namespaces => ["status", "phase"],
            _ => null,
        };
        if (path is null)
        {
            throw resource.IsCustomResource
                ? ApiError.BadRequest($"\"{field}\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"")
                : ApiError.BadRequest($"field label not supported: {field}");
        }

        JsonNode? node = obj;
        foreach (var segment in path)
        {
            node = node?[segment];
        }

        return node?.GetValueKind() == System.Text.Json.JsonValueKind.String ? node.GetValue<string>() : "";
    }
}
