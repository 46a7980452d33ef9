using Flagger.Core.Model;
using Flagger.Core.Ports;
using k8s;
using k8s.Models;

namespace Flagger.Infrastructure.Kubernetes;

/// <summary>
/// The Events about one Canary, selected the way <c>kubectl describe</c> selects them: by the involved object's
/// kind, namespace, name and (when known) uid, so a deleted and re-created Canary does not inherit the old one's.
/// </summary>
internal static class CanaryEvents
{
    public static async Task<IReadOnlyList<CanaryEvent>> ListAsync(IKubernetes client, Canary canary, CancellationToken cancellationToken)
    {
        var ns = canary.Metadata.NamespaceProperty;
        var list = await client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: FieldSelector(canary), cancellationToken: cancellationToken);
        return list.Items
            .Where(e => IsAbout(e.InvolvedObject, canary))
            .Select(e => new CanaryEvent(
                e.Type ?? "Normal",
                e.Reason ?? "",
                e.Message ?? "",
                e.Count ?? e.Series?.Count ?? 1,
                AsUtc(e.FirstTimestamp ?? e.EventTime ?? e.Metadata.CreationTimestamp),
                AsUtc(e.LastTimestamp ?? e.Series?.LastObservedTime ?? e.EventTime ?? e.Metadata.CreationTimestamp),
                e.Source?.Component ?? e.ReportingComponent))
            .OrderByDescending(e => e.LastSeen ?? DateTimeOffset.MinValue)
            .ToList();
    }

    internal static string FieldSelector(Canary canary)
    {
        var selector = $"involvedObject.kind={Canary.KubeKind},involvedObject.namespace={canary.Metadata.NamespaceProperty},involvedObject.name={canary.Metadata.Name}";
        return string.IsNullOrEmpty(canary.Metadata.Uid) ? selector : selector + $",involvedObject.uid={canary.Metadata.Uid}";
    }

    // The server applied the same selector; checked again so a server that ignores field selectors shows no other object's events.
    private static bool IsAbout(V1ObjectReference? involved, Canary canary) =>
        involved is not null
        && involved.Kind == Canary.KubeKind
        && involved.Name == canary.Metadata.Name
        && involved.NamespaceProperty == canary.Metadata.NamespaceProperty
        && (string.IsNullOrEmpty(canary.Metadata.Uid) || involved.Uid == canary.Metadata.Uid);

    private static DateTimeOffset? AsUtc(DateTime? time) => time switch
    {
        null => null,
        { Kind: DateTimeKind.Local } local => new DateTimeOffset(local.ToUniversalTime(), TimeSpan.Zero),
        { } other => new DateTimeOffset(DateTime.SpecifyKind(other, DateTimeKind.Utc), TimeSpan.Zero),
    };
}
