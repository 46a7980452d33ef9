using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;

namespace Flagger.Infrastructure.Kubernetes;

/// <summary>
/// What the KubernetesClient's <c>CustomObjects</c> calls answer (a <see cref="JsonElement"/>, or a model the
/// client deserialized), as a <see cref="JsonObject"/> to read and edit field by field.
/// </summary>
internal static class CustomObjectJson
{
    public static JsonObject From(object raw) =>
        raw switch
        {
            JsonElement element => JsonNode.Parse(element.GetRawText())!.AsObject(),
            JsonObject node => node,
            _ => JsonNode.Parse(KubernetesJson.Serialize(raw))!.AsObject(),
        };
}
