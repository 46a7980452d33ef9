using System.Text.Json.Nodes;
using Flagger.Core.Model;
using Flagger.Core.Workloads;
using k8s;

namespace Flagger.Infrastructure.Kubernetes;

/// <summary>
/// KEDA's ScaledObject as Flagger's <c>scaled_object_reconciler.go</c> handles it (spec §3.8): the primary copy
/// <c>&lt;name&gt;-primary</c> scaling the primary Deployment, created when missing and updated only at promotion;
/// the target's paused at zero replicas (<see cref="PausedReplicasAnnotation"/>) between runs.
/// </summary>
internal static class PrimaryScaledObject
{
    public const string PausedReplicasAnnotation = "autoscaling.keda.sh/paused-replicas";

    /// <summary>KEDA's other pause annotation: neither is copied, so a paused target never pauses the primary.</summary>
    private const string PausedAnnotation = "autoscaling.keda.sh/paused";

    private const string FluxMarker = "toolkit.fluxcd.io";

    private static ScalerKind Kind => ScalerKind.ScaledObject;

    /// <summary>Creates or (with <paramref name="update"/>) updates the primary copy; the problem when the target's is missing.</summary>
    public static async Task<string?> ConvergeAsync(IKubernetes client, Canary canary, bool update, CancellationToken cancellationToken)
    {
        var reference = canary.Spec.AutoscalerRef!;
        var ns = canary.Metadata.NamespaceProperty;
        if (await Kind.ReadAsync(client, ns, reference.Name, cancellationToken) is not { } target)
        {
            return $"ScaledObject {reference.Name}.{ns} not found";
        }

        var name = WorkloadNames.PrimaryName(reference.Name);
        var spec = PrimarySpec(canary, target);
        var labels = Filtered(target["metadata"]?["labels"] as JsonObject);
        await KubernetesErrors.RetryOnConflictAsync(async () =>
        {
            var existing = await Kind.ReadAsync(client, ns, name, cancellationToken);
            if (existing is null)
            {
                var annotations = Filtered(target["metadata"]?["annotations"] as JsonObject);
                annotations.Remove(PausedReplicasAnnotation);
                annotations.Remove(PausedAnnotation);
                annotations.Remove(PrimaryPreScale.HeldAnnotation);
                await Kind.CreateAsync(client, ns, new JsonObject
                {
                    ["apiVersion"] = $"{Kind.Group}/{Kind.Version}",
                    ["kind"] = Kind.Name,
                    ["metadata"] = new JsonObject
                    {
                        ["name"] = name,
                        ["namespace"] = ns,
                        ["labels"] = labels,
                        ["annotations"] = annotations,
                        ["ownerReferences"] = JsonNode.Parse(KubernetesJson.Serialize(new[] { OwnerReference.To(canary) })),
                    },
                    ["spec"] = spec,
                }, cancellationToken);
            }
            else if (update && !(JsonNode.DeepEquals(existing["spec"], spec) && JsonNode.DeepEquals(existing["metadata"]?["labels"], labels)))
            {
                existing["spec"] = spec.DeepClone();
                existing["metadata"]!["labels"] = labels.DeepClone();
                await Kind.ReplaceAsync(client, ns, existing, cancellationToken);
            }
        });

        return null;
    }

    /// <summary>Between runs KEDA keeps the target at zero replicas; Flagger's PauseTargetScaler.</summary>
    public static Task PauseTargetAsync(IKubernetes client, Canary canary, CancellationToken cancellationToken) =>
        ChangeTargetAsync(client, canary, annotations =>
        {
            if ((string?)annotations[PausedReplicasAnnotation] == "0")
            {
                return false;
            }

            annotations[PausedReplicasAnnotation] = "0";
            return true;
        }, cancellationToken);

    /// <summary>A new run gives the target back to KEDA; Flagger's ResumeTargetScaler.</summary>
    public static Task ResumeTargetAsync(IKubernetes client, Canary canary, CancellationToken cancellationToken) =>
        ChangeTargetAsync(client, canary, annotations => annotations.Remove(PausedReplicasAnnotation), cancellationToken);

    /// <summary>
    /// The target's spec aimed at the primary: <c>scaleTargetRef.name</c>, trigger queries (<c>primaryScalerQueries</c>
    /// by trigger name, else the target's name rewritten), a named generated HPA suffixed, and <c>primaryScalerReplicas</c>.
    /// The whole spec is copied (Flagger lists its fields, so newer KEDA fields would be lost).
    /// </summary>
    internal static JsonObject PrimarySpec(Canary canary, JsonObject target)
    {
        var reference = canary.Spec.AutoscalerRef!;
        var targetName = canary.Spec.TargetRef.Name;
        var primaryName = WorkloadNames.PrimaryName(targetName);
        var spec = target["spec"]?.DeepClone().AsObject() ?? [];
        if (spec["scaleTargetRef"] is not JsonObject scaleTargetRef)
        {
            scaleTargetRef = [];
            spec["scaleTargetRef"] = scaleTargetRef;
        }

        scaleTargetRef["name"] = primaryName;
        foreach (var trigger in (spec["triggers"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (trigger["metadata"] is not JsonObject metadata)
            {
                continue;
            }

            if (reference.PrimaryScalerQueries is { } queries)
            {
                if ((string?)trigger["name"] is { } triggerName && queries.TryGetValue(triggerName, out var query))
                {
                    metadata["query"] = query;
                }
            }
            else if ((string?)metadata["query"] is { } query)
            {
                // Flagger's best effort: both "<target>" and "<target>-canary" become "<target>-primary".
                const string placeholder = "\u0000canary\u0000";
                metadata["query"] = query.Replace($"{targetName}-canary", placeholder, StringComparison.Ordinal)
                    .Replace(targetName, primaryName, StringComparison.Ordinal)
                    .Replace(placeholder, primaryName, StringComparison.Ordinal);
            }
        }

        if (spec["advanced"]?["horizontalPodAutoscalerConfig"]?["name"] is JsonValue hpaName && (string?)hpaName is { Length: > 0 } named)
        {
            spec["advanced"]!["horizontalPodAutoscalerConfig"]!["name"] = WorkloadNames.PrimaryName(named);
        }

        if (reference.PrimaryScalerReplicas is { } replicas)
        {
            if (replicas.MinReplicas is { } min)
            {
                spec[Kind.MinField] = min;
            }

            if (replicas.MaxReplicas is { } max)
            {
                spec[Kind.MaxField] = max;
            }
        }

        return spec;
    }

    private static async Task ChangeTargetAsync(IKubernetes client, Canary canary, Func<JsonObject, bool> change, CancellationToken cancellationToken)
    {
        var ns = canary.Metadata.NamespaceProperty;
        await KubernetesErrors.RetryOnConflictAsync(async () =>
        {
            var target = await Kind.ReadAsync(client, ns, canary.Spec.AutoscalerRef!.Name, cancellationToken)
                ?? throw new InvalidOperationException($"ScaledObject {canary.Spec.AutoscalerRef!.Name}.{ns} not found");
            if (change(ScalerKind.Annotations(target)))
            {
                await Kind.ReplaceAsync(client, ns, target, cancellationToken);
            }
        });
    }

    private static JsonObject Filtered(JsonObject? map)
    {
        var filtered = new JsonObject();
        foreach (var (key, value) in map ?? [])
        {
            if (!key.Contains(FluxMarker, StringComparison.Ordinal))
            {
                filtered[key] = value?.DeepClone();
            }
        }

        return filtered;
    }
}
