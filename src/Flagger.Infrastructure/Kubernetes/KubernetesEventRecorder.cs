using System.Security.Cryptography;
using System.Text;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Flagger.Infrastructure.Kubernetes;

/// <summary>
/// Kubernetes Events on the Canary, reason <c>Synced</c> as in Flagger. The name is a hash of the object,
/// type and message, so a repeated event bumps the count of one Event instead of piling up new ones; a
/// failure to record is logged, never thrown into the tick.
/// </summary>
public sealed partial class KubernetesEventRecorder(IKubernetes client, TimeProvider time, ILogger<KubernetesEventRecorder> logger) : IEventRecorder
{
    public const string Reason = "Synced";
    public const string Component = "flagger";

    public async Task RecordAsync(Canary canary, RecordEvent canaryEvent, CancellationToken cancellationToken)
    {
        var ns = canary.Metadata.NamespaceProperty;
        var type = canaryEvent.Severity == EventSeverity.Info ? "Normal" : "Warning";
        var name = EventName(canary, type, canaryEvent.Message);
        var now = time.GetUtcNow().UtcDateTime;
        try
        {
            await KubernetesErrors.RetryOnConflictAsync(async () =>
            {
                var existing = await KubernetesErrors.NullWhenMissingAsync(() =>
                    client.CoreV1.ReadNamespacedEventAsync(name, ns, cancellationToken: cancellationToken));
                if (existing is null)
                {
                    await client.CoreV1.CreateNamespacedEventAsync(
                        new Corev1Event
                        {
                            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
                            InvolvedObject = new V1ObjectReference
                            {
                                ApiVersion = FlaggerApi.GroupVersion,
                                Kind = Canary.KubeKind,
                                Name = canary.Metadata.Name,
                                NamespaceProperty = ns,
                                Uid = canary.Metadata.Uid,
                            },
                            Reason = Reason,
                            Message = canaryEvent.Message,
                            Type = type,
                            Count = 1,
                            FirstTimestamp = now,
                            LastTimestamp = now,
                            Source = new V1EventSource { Component = Component },
                        },
                        ns, cancellationToken: cancellationToken);
                    return;
                }

                existing.Count = (existing.Count ?? 1) + 1;
                existing.LastTimestamp = now;
                await client.CoreV1.ReplaceNamespacedEventAsync(existing, name, ns, cancellationToken: cancellationToken);
            });
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogEventNotRecorded(logger, e, ns, canary.Metadata.Name, canaryEvent.Message);
        }
    }

    internal static string EventName(Canary canary, string type, string message)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{canary.Metadata.Uid}/{type}/{Reason}/{message}"));
        return $"{canary.Metadata.Name}.{Convert.ToHexStringLower(hash)[..16]}";
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Could not record event on canary {CanaryNamespace}/{CanaryName}: {EventMessage}")]
    private static partial void LogEventNotRecorded(ILogger logger, Exception exception, string canaryNamespace, string canaryName, string eventMessage);
}
