using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;

namespace Flagger.Testing.Registry;

/// <summary>An <see cref="IEventRecorder"/> that keeps what it was given: (namespace, name, event).</summary>
public sealed class RecordingEventRecorder : IEventRecorder
{
    private readonly Lock _lock = new();
    private readonly List<(string Namespace, string Name, RecordEvent Event)> _events = [];

    public IReadOnlyList<(string Namespace, string Name, RecordEvent Event)> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    public Task RecordAsync(Canary canary, RecordEvent canaryEvent, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _events.Add((canary.Metadata.NamespaceProperty, canary.Metadata.Name, canaryEvent));
        }

        return Task.CompletedTask;
    }
}
