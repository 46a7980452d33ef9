using Flagger.Core.Model;
using Flagger.Core.Workloads;
using k8s;
using k8s.Models;

namespace Flagger.Infrastructure.Kubernetes;

/// <summary>
/// The ConfigMaps and Secrets a target's pods use (spec §2.13, §3.6): their checksums for change detection,
/// and their <c>-primary</c> copies. Objects with tracking disabled, and Secrets of untracked types, are shared.
/// </summary>
internal sealed class TrackedConfigs
{
    private readonly List<V1ConfigMap> _configMaps = [];
    private readonly List<V1Secret> _secrets = [];
    private readonly Dictionary<string, string> _checksums = [];

    public IReadOnlyDictionary<string, string> Checksums => _checksums;

    public IReadOnlySet<string> Keys => _checksums.Keys.ToHashSet();

    public string? Problem { get; private set; }

    public static async Task<TrackedConfigs> ReadAsync(IKubernetes client, V1Deployment target, CancellationToken cancellationToken)
    {
        var tracked = new TrackedConfigs();
        var ns = target.Metadata.NamespaceProperty;
        foreach (var reference in ConfigReferences.Find(target.Spec.Template.Spec))
        {
            if (reference.Kind == ConfigKind.ConfigMap)
            {
                var configMap = await KubernetesErrors.NullWhenMissingAsync(() =>
                    client.CoreV1.ReadNamespacedConfigMapAsync(reference.Name, ns, cancellationToken: cancellationToken));
                if (configMap is null)
                {
                    tracked.Problem ??= reference.Optional ? null : $"configmap {reference.Name}.{ns} not found";
                    continue;
                }

                if (!ConfigChecksum.IsTrackingDisabled(configMap.Metadata))
                {
                    tracked._configMaps.Add(configMap);
                    tracked._checksums[reference.Key] = ConfigChecksum.Compute(configMap);
                }
            }
            else
            {
                var secret = await KubernetesErrors.NullWhenMissingAsync(() =>
                    client.CoreV1.ReadNamespacedSecretAsync(reference.Name, ns, cancellationToken: cancellationToken));
                if (secret is null)
                {
                    tracked.Problem ??= reference.Optional ? null : $"secret {reference.Name}.{ns} not found";
                    continue;
                }

                if (ConfigChecksum.IsTracked(secret) && !ConfigChecksum.IsTrackingDisabled(secret.Metadata))
                {
                    tracked._secrets.Add(secret);
                    tracked._checksums[reference.Key] = ConfigChecksum.Compute(secret);
                }
            }
        }

        return tracked;
    }

    /// <summary>Creates or updates <c>&lt;name&gt;-primary</c> copies owned by the Canary, keeping other owners' references.</summary>
    public async Task CopyToPrimaryAsync(IKubernetes client, Canary canary, CancellationToken cancellationToken)
    {
        var ns = canary.Metadata.NamespaceProperty;
        var core = client.CoreV1;
        foreach (var source in _configMaps)
        {
            await UpsertCopyAsync(
                canary, WorkloadNames.PrimaryName(source.Metadata.Name),
                name => core.ReadNamespacedConfigMapAsync(name, ns, cancellationToken: cancellationToken),
                metadata => new V1ConfigMap { Metadata = metadata, Data = source.Data, BinaryData = source.BinaryData },
                copy => core.CreateNamespacedConfigMapAsync(copy, ns, cancellationToken: cancellationToken),
                copy => core.ReplaceNamespacedConfigMapAsync(copy, copy.Metadata.Name, ns, cancellationToken: cancellationToken));
        }

        foreach (var source in _secrets)
        {
            await UpsertCopyAsync(
                canary, WorkloadNames.PrimaryName(source.Metadata.Name),
                name => core.ReadNamespacedSecretAsync(name, ns, cancellationToken: cancellationToken),
                metadata => new V1Secret { Metadata = metadata, Type = source.Type, Data = source.Data },
                copy => core.CreateNamespacedSecretAsync(copy, ns, cancellationToken: cancellationToken),
                copy => core.ReplaceNamespacedSecretAsync(copy, copy.Metadata.Name, ns, cancellationToken: cancellationToken));
        }
    }

    /// <summary>Whether every tracked config has a <c>-primary</c> copy with the same content (what a promotion leaves).</summary>
    public async Task<bool> PrimaryCopiesMatchAsync(IKubernetes client, string ns, CancellationToken cancellationToken)
    {
        foreach (var source in _configMaps)
        {
            var copy = await KubernetesErrors.NullWhenMissingAsync(() =>
                client.CoreV1.ReadNamespacedConfigMapAsync(WorkloadNames.PrimaryName(source.Metadata.Name), ns, cancellationToken: cancellationToken));
            if (copy is null || ConfigChecksum.Compute(copy) != ConfigChecksum.Compute(source))
            {
                return false;
            }
        }

        foreach (var source in _secrets)
        {
            var copy = await KubernetesErrors.NullWhenMissingAsync(() =>
                client.CoreV1.ReadNamespacedSecretAsync(WorkloadNames.PrimaryName(source.Metadata.Name), ns, cancellationToken: cancellationToken));
            if (copy is null || ConfigChecksum.Compute(copy) != ConfigChecksum.Compute(source))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Read, build the copy on the live metadata, create or replace; a lost race is re-read.</summary>
    private static Task UpsertCopyAsync<T>(
        Canary canary,
        string name,
        Func<string, Task<T>> read,
        Func<V1ObjectMeta, T> build,
        Func<T, Task<T>> create,
        Func<T, Task<T>> replace)
        where T : class, IMetadata<V1ObjectMeta> =>
        KubernetesErrors.RetryOnConflictAsync(async () =>
        {
            var existing = await KubernetesErrors.NullWhenMissingAsync(() => read(name));
            var copy = build(CopyMetadata(name, canary.Metadata.NamespaceProperty, canary, existing?.Metadata));
            await (existing is null ? create(copy) : replace(copy));
        });

    private static V1ObjectMeta CopyMetadata(string name, string ns, Canary canary, V1ObjectMeta? existing)
    {
        var owners = (existing?.OwnerReferences ?? []).Where(o => o.Controller != true).ToList();
        owners.Insert(0, OwnerReference.To(canary));
        return new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = ns,
            ResourceVersion = existing?.ResourceVersion,
            OwnerReferences = owners,
        };
    }
}
