namespace Flagger.Core.Ports;

/// <summary>
/// Starts a canary's rollout, or wakes the one already running (instance <c>canary.{namespace}.{name}</c>).
/// Idempotent: the instance id is deterministic, and a signal carries what caused it.
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

    /// <summary>An operator asked for an operation (promote, abort, retry, pause, resume).</summary>
    Operation,

    /// <summary>The periodic sweep found a change or an active canary without a running rollout.</summary>
    Resync,
}

/// <summary>Why a rollout is started or woken.</summary>
/// <param name="Operation">The operation asked for (<see cref="RolloutSignalKind.Operation"/>).</param>
public sealed record RolloutSignal(RolloutSignalKind Kind, Analysis.CanaryOperation? Operation = null)
{
    /// <summary>The target's image changed; the tick reads the new one from the cluster.</summary>
    public static readonly RolloutSignal NewImage = new(RolloutSignalKind.NewImage);

    public static readonly RolloutSignal Resync = new(RolloutSignalKind.Resync);

    public static RolloutSignal For(Analysis.CanaryOperation operation) => new(RolloutSignalKind.Operation, operation);
}
