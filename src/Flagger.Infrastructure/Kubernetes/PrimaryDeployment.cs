using Flagger.Core.Model;
using Flagger.Core.Workloads;
using k8s;
using k8s.Models;

namespace Flagger.Infrastructure.Kubernetes;

/// <summary>The primary Deployment as a copy of the target (spec §3.2 creation, §3.3 promotion). Pure: no I/O.</summary>
public static class PrimaryDeployment
{
    /// <summary>Changes with the promoted revision, so a promotion rolls the primary even when the pod spec is identical.</summary>
    public const string FlaggerIdAnnotation = "flagger-id";

    private const string FluxPrefix = "toolkit.fluxcd.io";

    /// <param name="primaryConfigs">Keys (<c>configmap/name</c>, <c>secret/name</c>) of the configs copied with a <c>-primary</c> name.</param>
    public static V1Deployment Create(Canary canary, V1Deployment target, SelectorLabel selector, IReadOnlySet<string> primaryConfigs, string revision)
    {
        var primary = new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = new V1ObjectMeta
            {
                Name = WorkloadNames.PrimaryName(target.Metadata.Name),
                NamespaceProperty = target.Metadata.NamespaceProperty,
                OwnerReferences = [OwnerReference.To(canary)],
            },
            Spec = new V1DeploymentSpec
            {
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [selector.Label] = selector.PrimaryValue } },
                Template = new V1PodTemplateSpec(),
            },
        };

        Promote(primary, canary, target, selector, primaryConfigs, revision);
        primary.Spec.Replicas = target.Spec.Replicas is > 0 ? target.Spec.Replicas : 1;
        return primary;
    }

    /// <summary>Copies the target's pod spec, metadata and rollout settings onto <paramref name="primary"/>.</summary>
    public static void Promote(V1Deployment primary, Canary canary, V1Deployment target, SelectorLabel selector, IReadOnlySet<string> primaryConfigs, string revision)
    {
        var template = Copy(target.Spec.Template);
        template.Metadata ??= new V1ObjectMeta();
        template.Metadata.Labels = WithPrimaryLabel(template.Metadata.Labels, selector);
        template.Metadata.Annotations = new Dictionary<string, string>(template.Metadata.Annotations ?? new Dictionary<string, string>())
        {
            [FlaggerIdAnnotation] = revision,
        };
        RenameConfigReferences(template.Spec, primaryConfigs);
        RewriteAffinity(template.Spec, selector, target.Metadata.Name);

        primary.Metadata.Labels = WithPrimaryLabel(null, selector);
        primary.Metadata.Annotations = Without(target.Metadata.Annotations, FluxPrefix);
        primary.Spec.Template = template;
        primary.Spec.ProgressDeadlineSeconds = target.Spec.ProgressDeadlineSeconds;
        primary.Spec.MinReadySeconds = target.Spec.MinReadySeconds;
        primary.Spec.RevisionHistoryLimit = target.Spec.RevisionHistoryLimit;
        primary.Spec.Strategy = target.Spec.Strategy;

        // With an autoscaler the primary keeps its replicas: its own HPA owns them.
        if (canary.Spec.AutoscalerRef is null && target.Spec.Replicas is > 0)
        {
            primary.Spec.Replicas = target.Spec.Replicas;
        }
    }

    /// <summary>Points volumes, env and envFrom of every container at the <c>-primary</c> copies of tracked configs.</summary>
    public static void RenameConfigReferences(V1PodSpec spec, IReadOnlySet<string> primaryConfigs)
    {
        string Rename(ConfigKind kind, string name) =>
            primaryConfigs.Contains(new ConfigReference(kind, name, false).Key) ? WorkloadNames.PrimaryName(name) : name;

        foreach (var volume in spec.Volumes ?? [])
        {
            if (volume.ConfigMap is { } configMap)
            {
                configMap.Name = Rename(ConfigKind.ConfigMap, configMap.Name);
            }

            if (volume.Secret is { } secret)
            {
                secret.SecretName = Rename(ConfigKind.Secret, secret.SecretName);
            }

            foreach (var source in volume.Projected?.Sources ?? [])
            {
                if (source.ConfigMap is { } projectedConfigMap)
                {
                    projectedConfigMap.Name = Rename(ConfigKind.ConfigMap, projectedConfigMap.Name);
                }

                if (source.Secret is { } projectedSecret)
                {
                    projectedSecret.Name = Rename(ConfigKind.Secret, projectedSecret.Name);
                }
            }
        }

        foreach (var container in (spec.Containers ?? []).Concat(spec.InitContainers ?? []))
        {
            foreach (var env in container.Env ?? [])
            {
                if (env.ValueFrom?.ConfigMapKeyRef is { } configMapKey)
                {
                    configMapKey.Name = Rename(ConfigKind.ConfigMap, configMapKey.Name);
                }

                if (env.ValueFrom?.SecretKeyRef is { } secretKey)
                {
                    secretKey.Name = Rename(ConfigKind.Secret, secretKey.Name);
                }
            }

            foreach (var envFrom in container.EnvFrom ?? [])
            {
                if (envFrom.ConfigMapRef is { } configMapRef)
                {
                    configMapRef.Name = Rename(ConfigKind.ConfigMap, configMapRef.Name);
                }

                if (envFrom.SecretRef is { } secretRef)
                {
                    secretRef.Name = Rename(ConfigKind.Secret, secretRef.Name);
                }
            }
        }
    }

    /// <summary>Anti-affinity and topology spread that select the target by name select the primary instead (Flagger's rule).</summary>
    public static void RewriteAffinity(V1PodSpec spec, SelectorLabel selector, string targetName)
    {
        var selectors = new List<V1LabelSelector?>();
        if (spec.Affinity?.PodAntiAffinity is { } antiAffinity)
        {
            selectors.AddRange((antiAffinity.RequiredDuringSchedulingIgnoredDuringExecution ?? []).Select(t => t.LabelSelector));
            selectors.AddRange((antiAffinity.PreferredDuringSchedulingIgnoredDuringExecution ?? []).Select(t => t.PodAffinityTerm?.LabelSelector));
        }

        selectors.AddRange((spec.TopologySpreadConstraints ?? []).Select(c => c.LabelSelector));
        var primaryName = WorkloadNames.PrimaryName(targetName);
        foreach (var labelSelector in selectors.OfType<V1LabelSelector>())
        {
            if (labelSelector.MatchLabels is { } matchLabels && matchLabels.TryGetValue(selector.Label, out var value) && value == targetName)
            {
                matchLabels[selector.Label] = primaryName;
            }

            foreach (var expression in labelSelector.MatchExpressions ?? [])
            {
                if (expression.Key == selector.Label && expression.Values is { } values)
                {
                    expression.Values = [.. values.Select(v => v == targetName ? primaryName : v)];
                }
            }
        }
    }

    private static Dictionary<string, string> WithPrimaryLabel(IDictionary<string, string>? labels, SelectorLabel selector) =>
        new(labels ?? new Dictionary<string, string>()) { [selector.Label] = selector.PrimaryValue };

    private static Dictionary<string, string>? Without(IDictionary<string, string>? map, string keyFragment) =>
        map?.Where(p => !p.Key.Contains(keyFragment, StringComparison.Ordinal)).ToDictionary(p => p.Key, p => p.Value);

    private static T Copy<T>(T value) => KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(value));
}
