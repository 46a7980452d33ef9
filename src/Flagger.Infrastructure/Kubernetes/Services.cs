using Flagger.Core.Model;
using Flagger.Core.Workloads;
using k8s;
using k8s.Models;

namespace Flagger.Infrastructure.Kubernetes;

internal enum ServiceRole
{
    /// <summary><c>&lt;svc&gt;</c>: what clients call; always selects the primary pods.</summary>
    Apex,

    /// <summary><c>&lt;svc&gt;-primary</c>: the primary pods, a backend of the HTTPRoute.</summary>
    Primary,

    /// <summary><c>&lt;svc&gt;-canary</c>: the target pods, a backend of the HTTPRoute.</summary>
    Canary,
}

/// <summary>The three ClusterIP Services of a canary (spec §3.7), created or converged, written only on a difference.</summary>
internal static class Services
{
    /// <param name="targetPodSpec">The target's pod template, whose container ports <c>portDiscovery</c> adds.</param>
    public static async Task EnsureAsync(IKubernetes client, Canary canary, SelectorLabel selector, V1PodSpec targetPodSpec, ServiceRole role, CancellationToken cancellationToken)
    {
        var ns = canary.Metadata.NamespaceProperty;
        var apexName = WorkloadNames.ServiceName(canary);
        var (name, selectorValue, metadata) = role switch
        {
            ServiceRole.Apex => (apexName, selector.PrimaryValue, canary.Spec.Service.Apex),
            ServiceRole.Primary => (WorkloadNames.PrimaryServiceName(apexName), selector.PrimaryValue, canary.Spec.Service.Primary),
            _ => (WorkloadNames.CanaryServiceName(apexName), selector.Value, canary.Spec.Service.Canary),
        };

        var desired = new V1Service
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = ns,
                Labels = new Dictionary<string, string>(metadata?.Labels ?? new Dictionary<string, string>()) { [selector.Label] = name },
                Annotations = metadata?.Annotations is { Count: > 0 } annotations ? new Dictionary<string, string>(annotations) : null,
                OwnerReferences = [OwnerReference.To(canary)],
            },
            Spec = new V1ServiceSpec
            {
                Type = "ClusterIP",
                ClusterIP = canary.Spec.Service.Headless ? "None" : null,
                Selector = new Dictionary<string, string> { [selector.Label] = selectorValue },
                Ports = ServicePorts.For(canary.Spec.Service, targetPodSpec),
                TrafficDistribution = canary.Spec.Service.TrafficDistribution,
            },
        };

        await KubernetesErrors.RetryOnConflictAsync(async () =>
        {
            var existing = await KubernetesErrors.NullWhenMissingAsync(() =>
                client.CoreV1.ReadNamespacedServiceAsync(name, ns, cancellationToken: cancellationToken));
            if (existing is null)
            {
                await client.CoreV1.CreateNamespacedServiceAsync(desired, ns, cancellationToken: cancellationToken);
                return;
            }

            var owned = OwnerReference.IsOwnedBy(existing.Metadata, canary);
            if (SameRouting(existing.Spec, desired.Spec) && (!owned || SameMetadata(existing.Metadata, desired.Metadata)))
            {
                return;
            }

            // A Service the user created (an existing apex) keeps its metadata: only routing is ours.
            existing.Spec.Selector = desired.Spec.Selector;
            existing.Spec.Ports = MergeNodePorts(desired.Spec.Ports, existing.Spec.Ports);
            if (owned)
            {
                existing.Metadata.Labels = desired.Metadata.Labels;
                existing.Metadata.Annotations = desired.Metadata.Annotations;
            }

            await client.CoreV1.ReplaceNamespacedServiceAsync(existing, name, ns, cancellationToken: cancellationToken);
        });
    }

    /// <summary>Ports compared in port order, as Flagger diffs them: a Service listing the same ports otherwise is left alone.</summary>
    private static bool SameRouting(V1ServiceSpec live, V1ServiceSpec desired) =>
        Equal(live.Selector, desired.Selector) &&
        (live.Ports ?? []).Count == desired.Ports.Count &&
        InPortOrder(live.Ports ?? []).Zip(InPortOrder(desired.Ports)).All(p =>
            p.First.Name == p.Second.Name && p.First.Port == p.Second.Port && p.First.Protocol == p.Second.Protocol &&
            p.First.TargetPort?.Value == p.Second.TargetPort?.Value && p.First.AppProtocol == p.Second.AppProtocol);

    private static IEnumerable<V1ServicePort> InPortOrder(IEnumerable<V1ServicePort> ports) =>
        ports.OrderBy(p => p.Port).ThenBy(p => p.Name, StringComparer.Ordinal);

    private static bool SameMetadata(V1ObjectMeta live, V1ObjectMeta desired) =>
        Equal(live.Labels, desired.Labels) && Equal(live.Annotations, desired.Annotations);

    private static bool Equal(IDictionary<string, string>? a, IDictionary<string, string>? b) =>
        (a ?? new Dictionary<string, string>()).Count == (b ?? new Dictionary<string, string>()).Count &&
        (a ?? new Dictionary<string, string>()).All(p => b!.TryGetValue(p.Key, out var v) && v == p.Value);

    private static List<V1ServicePort> MergeNodePorts(IList<V1ServicePort> desired, IList<V1ServicePort>? live) =>
        [.. desired.Select(p =>
        {
            p.NodePort = live?.FirstOrDefault(l => l.Name == p.Name)?.NodePort;
            return p;
        })];
}
