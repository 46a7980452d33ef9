using System.Text.Json;
using System.Text.Json.Nodes;
using Flagger.Core.Model;
using k8s;

namespace Flagger.Infrastructure.Kubernetes;

/// <summary>
/// The kinds an <c>autoscalerRef</c> names, as generic JSON through the custom-objects client (any group works
/// there): an HPA (autoscaling/v2) or a KEDA ScaledObject (keda.sh/v1alpha1, no model package). Both have a
/// replica minimum and maximum under different field names and defaults, which is all the pre-scale needs.
/// </summary>
internal sealed record ScalerKind(string Name, string Group, string Version, string Plural, string MinField, string MaxField, int DefaultMin, int? DefaultMax)
{
    public static readonly ScalerKind HorizontalPodAutoscaler =
        new("HorizontalPodAutoscaler", "autoscaling", "v2", "horizontalpodautoscalers", "minReplicas", "maxReplicas", 1, null);

    /// <summary>KEDA's defaults: <c>minReplicaCount</c> 0, <c>maxReplicaCount</c> 100.</summary>
    public static readonly ScalerKind ScaledObject =
        new("ScaledObject", "keda.sh", "v1alpha1", "scaledobjects", "minReplicaCount", "maxReplicaCount", 0, 100);

    public static ScalerKind? Of(AutoscalerReference? reference) => reference?.Kind switch
    {
        "HorizontalPodAutoscaler" => HorizontalPodAutoscaler,
        "ScaledObject" => ScaledObject,
        _ => null,
    };

    /// <summary>
    /// The replicas a target scaled from zero starts with under its autoscaler (spec §3.4): the target HPA's
    /// <c>minReplicas</c> or ScaledObject's <c>minReplicaCount</c> when above 1, else 1 (also when it is missing).
    /// </summary>
    public static async Task<int> ScaleFromZeroReplicasAsync(IKubernetes client, Canary canary, CancellationToken cancellationToken)
    {
        if (Of(canary.Spec.AutoscalerRef) is not { } kind
            || await kind.ReadAsync(client, canary.Metadata.NamespaceProperty, canary.Spec.AutoscalerRef!.Name, cancellationToken) is not { } scaler)
        {
            return 1;
        }

        return Math.Max(kind.Minimum(scaler), 1);
    }

    public int Minimum(JsonObject scaler) => (int?)scaler["spec"]?[MinField] ?? DefaultMin;

    public int? Maximum(JsonObject scaler) => (int?)scaler["spec"]?[MaxField] ?? DefaultMax;

    public async Task<JsonObject?> ReadAsync(IKubernetes client, string ns, string name, CancellationToken cancellationToken)
    {
        var raw = await KubernetesErrors.NullWhenMissingAsync(() =>
            client.CustomObjects.GetNamespacedCustomObjectAsync(Group, Version, ns, Plural, name, cancellationToken));
        return raw is null ? null : CustomObjectJson.From(raw);
    }

    public Task CreateAsync(IKubernetes client, string ns, JsonObject scaler, CancellationToken cancellationToken) =>
        client.CustomObjects.CreateNamespacedCustomObjectAsync(scaler, Group, Version, ns, Plural, cancellationToken: cancellationToken);

    /// <summary>Replaces the object as read (its resourceVersion guards it: a 409 when someone wrote in between).</summary>
    public Task ReplaceAsync(IKubernetes client, string ns, JsonObject scaler, CancellationToken cancellationToken) =>
        client.CustomObjects.ReplaceNamespacedCustomObjectAsync(
            scaler, Group, Version, ns, Plural, (string)scaler["metadata"]!["name"]!, cancellationToken: cancellationToken);

    public static JsonObject Annotations(JsonObject scaler)
    {
        var metadata = scaler["metadata"]!.AsObject();
        if (metadata["annotations"] is not JsonObject annotations)
        {
            annotations = [];
            metadata["annotations"] = annotations;
        }

        return annotations;
    }
}
