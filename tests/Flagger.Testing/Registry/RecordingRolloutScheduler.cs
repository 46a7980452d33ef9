using Flagger.Core.Ports;

namespace Flagger.Testing.Registry;

/// <summary>Records every start-or-signal; failures queued in <see cref="Failures"/> are thrown by the next calls.</summary>
public sealed class RecordingRolloutScheduler : IRolloutScheduler
{
    private readonly Lock _lock = new();
    private readonly List<ScheduledSignal> _signals = [];

    public Queue<Exception> Failures { get; } = new();

    public IReadOnlyList<ScheduledSignal> Signals
    {
        get
        {
            lock (_lock)
            {
                return [.. _signals];
            }
        }
    }

    public Task StartOrSignalAsync(string @namespace, string name, RolloutSignal signal, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (Failures.TryDequeue(out var failure))
            {
                throw failure;
            }

            _signals.Add(new ScheduledSignal(@namespace, name, signal));
        }

        return Task.CompletedTask;
    }
}

public sealed record ScheduledSignal(string Namespace, string Name, RolloutSignal Signal);
