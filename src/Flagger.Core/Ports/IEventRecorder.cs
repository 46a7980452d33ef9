using Flagger.Core.Analysis;
using Flagger.Core.Model;

namespace Flagger.Core.Ports;

/// <summary>Kubernetes Events on the Canary (reason <c>Synced</c>) and the event webhooks. Never throws into the tick.</summary>
public interface IEventRecorder
{
    Task RecordAsync(Canary canary, RecordEvent canaryEvent, CancellationToken cancellationToken);
}
