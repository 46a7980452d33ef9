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
/// <param name="Image">The image now on the target (<see cref="RolloutSignalKind.NewImage"/>).</param>
/// <param name="EventId">The registry event behind the signal, so a receiver can tell a repeat from a new push.</param>
/// <param name="Operation">The operation asked for (<see cref="RolloutSignalKind.Operation"/>).</param>
public sealed record RolloutSignal(RolloutSignalKind Kind, string? Image, string? EventId, Analysis.CanaryOperation? Operation = null)
{
    public static RolloutSignal NewImage(string image, string eventId) => new(RolloutSignalKind.NewImage, image, eventId);

    public static RolloutSignal For(Analysis.CanaryOperation operation) => new(RolloutSignalKind.Operation, null, null, operation);

    public static readonly RolloutSignal Resync = new(RolloutSignalKind.Resync, null, null);
}
