using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.JsonPatch.SystemTextJson;
using Microsoft.AspNetCore.JsonPatch.SystemTextJson.Exceptions;
using Microsoft.AspNetCore.JsonPatch.SystemTextJson.Operations;

namespace Flagger.Sandbox.Kubernetes;

/// <summary>The patch formats Kubernetes accepts, applied to a copy of the stored object.</summary>
public static class Patches
{
    /// <summary>List fields that strategic merge patches merge element by element, with their merge key.</summary>
    private static readonly Dictionary<string, string> s_mergeKeys = new(StringComparer.Ordinal)
    {
        ["containers"] = "name",
        ["initContainers"] = "name",
        ["ephemeralContainers"] = "name",
        ["env"] = "name",
        ["volumes"] = "name",
        ["volumeMounts"] = "mountPath",
        ["imagePullSecrets"] = "name",
        ["conditions"] = "type",
    };

    /// <summary>RFC 7386: objects merge, <c>null</c> removes, anything else (lists too) replaces.</summary>
    public static JsonNode? Merge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject targetObject ? targetObject.DeepClone().AsObject() : [];
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                result[key] = Merge(result[key], value);
            }
        }

        return result;
    }

    /// <summary>
    /// Strategic merge for built-in kinds: a merge patch whose lists of containers, env, volumes and ports
    /// merge by their key (<c>name</c>, <c>containerPort</c> or <c>port</c>); an element with
    /// <c>"$patch": "delete"</c> removes its match.
    /// </summary>
    public static JsonNode? StrategicMerge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject targetObject ? targetObject.DeepClone().AsObject() : [];
        if (patchObject["$patch"]?.GetValue<string>() == "replace")
        {
            var replacement = patchObject.DeepClone().AsObject();
            replacement.Remove("$patch");
            return replacement;
        }

        foreach (var (key, value) in patchObject)
        {
            if (key.StartsWith('$'))
            {
                continue;
            }

            if (value is null)
            {
                result.Remove(key);
            }
            else if (value is JsonArray patchList && result[key] is JsonArray targetList && MergeKeyFor(key, patchList, targetList) is { } mergeKey)
            {
                result[key] = MergeList(targetList, patchList, mergeKey);
            }
            else
            {
                result[key] = StrategicMerge(result[key], value);
            }
        }

        return result;
    }

    /// <summary>RFC 6902, all operations or none; a failing <c>test</c> or a missing path is an error.</summary>
    public static JsonNode ApplyJsonPatch(JsonNode target, JsonNode patch)
    {
        List<Operation> operations;
        try
        {
            operations = patch.Deserialize<List<Operation>>() ?? [];
        }
        catch (JsonException e)
        {
            throw new InvalidPatchException($"invalid JSON patch: {e.Message}");
        }

        var result = target.DeepClone();
        foreach (var operation in operations)
        {
            var single = operation;
            if (operation.op == "copy")
            {
                // The library cannot copy a scalar node, so a copy is applied as an add of the source's value.
                var value = Resolve(result, operation.from)
                    ?? throw new InvalidPatchException($"copy: source \"{operation.from}\" not found");
                single = new Operation("add", operation.path, from: null, value: value.DeepClone());
            }

            try
            {
                new JsonPatchDocument([single], JsonSerializerOptions.Default).ApplyTo(result);
            }
            catch (JsonPatchException e)
            {
                throw new InvalidPatchException(e.Message);
            }
        }

        return result;
    }

    private static JsonNode? Resolve(JsonNode root, string pointer)
    {
        var node = root;
        foreach (var raw in pointer.Split('/').Skip(1))
        {
            var segment = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            node = node switch
            {
                JsonObject o => o[segment],
                JsonArray a when int.TryParse(segment, out var i) && i >= 0 && i < a.Count => a[i],
                _ => null,
            };
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }

    private static string? MergeKeyFor(string field, JsonArray patchList, JsonArray targetList)
    {
        if (field == "ports")
        {
            var sample = patchList.Concat(targetList).OfType<JsonObject>().FirstOrDefault();
            return sample is not null && sample.ContainsKey("containerPort") ? "containerPort" : "port";
        }

        return s_mergeKeys.GetValueOrDefault(field);
    }

    private static JsonArray MergeList(JsonArray target, JsonArray patch, string mergeKey)
    {
        var merged = target.Select(e => e?.DeepClone()).ToList();
        foreach (var element in patch)
        {
            if (element is not JsonObject patchElement || patchElement[mergeKey] is not { } keyValue)
            {
                merged.Add(element?.DeepClone());
                continue;
            }

            var index = merged.FindIndex(e => e is JsonObject o && JsonNode.DeepEquals(o[mergeKey], keyValue));
            var delete = patchElement["$patch"]?.GetValue<string>() == "delete";
            if (index < 0)
            {
                if (!delete)
                {
                    merged.Add(StrategicMerge(null, patchElement));
                }
            }
            else if (delete)
            {
                merged.RemoveAt(index);
            }
            else
            {
                merged[index] = StrategicMerge(merged[index], patchElement);
            }
        }

        return [.. merged];
    }
}

/// <summary>A patch that cannot be applied; the server answers 422 Invalid.</summary>
public sealed class InvalidPatchException(string message) : Exception(message);
