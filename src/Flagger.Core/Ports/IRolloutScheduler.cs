namespace Flagger.Core.Ports;

/// <summary>
/// Starts a canary's rollout, or wakes the one already running (instance <c>canary.{namespace}.{name}</c>).
/// Idempotent: the instance id is deterministic, and a signal only says what caused it.
/// </summary>
public interface IRolloutScheduler
{
    Task StartOrSignalAsync(string @namespace, string name, RolloutSignal signal, CancellationToken cancellationToken);
}

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<RolloutSignalKind>))]
public enum RolloutSignalKind
{
    /// <summary>A registry push set a new image on the target.</summary>
    NewImage,

    /// <summary>An operator's operation (promote, abort, retry, pause, resume, approve) is waiting in the inbox.</summary>
    Operation,

    /// <summary>The periodic sweep found a change or an active canary without a running rollout.</summary>
    Resync,
}

/// <summary>
/// Why a rollout is started or woken. A signal carries nothing to act on: operations wait in the
/// <see cref="IOperationInbox"/> and the target's image is read from the cluster, so a lost, repeated or
/// reordered signal changes nothing but when the next tick runs.
/// </summary>
public sealed record RolloutSignal(RolloutSignalKind Kind)
{
    public static readonly RolloutSignal NewImage = new(RolloutSignalKind.NewImage);

    public static readonly RolloutSignal Operation = new(RolloutSignalKind.Operation);

    public static readonly RolloutSignal Resync = new(RolloutSignalKind.Resync);
}
