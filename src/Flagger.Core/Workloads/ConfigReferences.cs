using k8s.Models;

namespace Flagger.Core.Workloads;

public enum ConfigKind
{
    ConfigMap,
    Secret,
}

/// <summary>A ConfigMap or Secret a pod spec depends on; <see cref="Optional"/> ones may be missing.</summary>
public sealed record ConfigReference(ConfigKind Kind, string Name, bool Optional)
{
    /// <summary>The key of this config in <c>status.trackedConfigs</c>: <c>configmap/&lt;name&gt;</c> or <c>secret/&lt;name&gt;</c>.</summary>
    public string Key => Kind switch
    {
        ConfigKind.ConfigMap => "configmap/" + Name,
        ConfigKind.Secret => "secret/" + Name,
        _ => throw new InvalidOperationException($"unknown config kind {Kind}"),
    };
}

/// <summary>
/// The ConfigMaps and Secrets whose content is part of a revision (spec §2.13, Flagger's
/// <c>config_tracker.go</c>): volumes, projected volume sources, and <c>env[].valueFrom</c> and
/// <c>envFrom</c> of containers and initContainers.
/// </summary>
public static class ConfigReferences
{
    /// <summary>
    /// Every referenced config once, ordered by <see cref="ConfigReference.Key"/>. A config is optional only
    /// if every reference to it is optional: one mandatory use means its absence breaks the pods.
    /// </summary>
    public static IReadOnlyList<ConfigReference> Find(V1PodSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);

        var found = new Dictionary<(ConfigKind, string), bool>();

        void Add(ConfigKind kind, string? name, bool? optional)
        {
            if (string.IsNullOrEmpty(name))
            {
                return;
            }

            var isOptional = optional == true;
            found[(kind, name)] = found.TryGetValue((kind, name), out var previous) ? previous && isOptional : isOptional;
        }

        foreach (var volume in spec.Volumes ?? [])
        {
            Add(ConfigKind.ConfigMap, volume.ConfigMap?.Name, volume.ConfigMap?.Optional);
            Add(ConfigKind.Secret, volume.Secret?.SecretName, volume.Secret?.Optional);
            foreach (var source in volume.Projected?.Sources ?? [])
            {
                Add(ConfigKind.ConfigMap, source.ConfigMap?.Name, source.ConfigMap?.Optional);
                Add(ConfigKind.Secret, source.Secret?.Name, source.Secret?.Optional);
            }
        }

        foreach (var container in (spec.InitContainers ?? []).Concat(spec.Containers ?? []))
        {
            foreach (var env in container.Env ?? [])
            {
                Add(ConfigKind.ConfigMap, env.ValueFrom?.ConfigMapKeyRef?.Name, env.ValueFrom?.ConfigMapKeyRef?.Optional);
                Add(ConfigKind.Secret, env.ValueFrom?.SecretKeyRef?.Name, env.ValueFrom?.SecretKeyRef?.Optional);
            }

            foreach (var envFrom in container.EnvFrom ?? [])
            {
                Add(ConfigKind.ConfigMap, envFrom.ConfigMapRef?.Name, envFrom.ConfigMapRef?.Optional);
                Add(ConfigKind.Secret, envFrom.SecretRef?.Name, envFrom.SecretRef?.Optional);
            }
        }

        return found
            .Select(entry => new ConfigReference(entry.Key.Item1, entry.Key.Item2, entry.Value))
            .OrderBy(reference => reference.Key, StringComparer.Ordinal)
            .ToList();
    }
}
