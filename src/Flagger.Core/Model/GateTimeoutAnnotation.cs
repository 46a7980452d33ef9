namespace Flagger.Core.Model;

/// <summary>
/// Ours (Flagger issues #1450, #1578): the Canary annotation <c>flagger-functions.io/gate-timeout</c>, a Go duration
/// (<c>2h</c>, <c>30m</c>) after which a closed confirm gate ends the run (<see cref="Flagger.Core.Analysis.GateTimeout"/>).
/// Absent, its gates wait forever, as Flagger's do. A value that is not a positive duration is a validation warning
/// and is ignored (the gates wait forever), as our other annotations fall back to the default when they are not understood.
/// </summary>
public static class GateTimeoutAnnotation
{
    public const string Name = "flagger-functions.io/gate-timeout";

    /// <summary>The field a validation problem names.</summary>
    public const string Field = $"metadata.annotations[{Name}]";

    /// <summary>The annotation as written; null when the Canary has none.</summary>
    public static string? Value(Canary canary) =>
        canary.Metadata?.Annotations is { } annotations && annotations.TryGetValue(Name, out var value) ? value : null;

    /// <summary>The timeout the annotation sets; null when it is absent or not a positive duration (<see cref="Problem"/>).</summary>
    public static TimeSpan? Timeout(Canary canary) =>
        GoDuration.TryParse(Value(canary)?.Trim(), out var timeout) && timeout > TimeSpan.Zero ? timeout : null;

    /// <summary>Why the annotation sets no timeout although it is there; null when it is absent or valid.</summary>
    public static string? Problem(Canary canary) => Value(canary) switch
    {
        null => null,
        var value when !GoDuration.TryParse(value.Trim(), out var timeout) =>
            $"\"{value}\" is not a duration (Go syntax such as 30m, 2h, 1h30m); ignored, so confirm gates wait without a limit",
        _ when Timeout(canary) is null => "must be a positive duration; ignored, so confirm gates wait without a limit",
        _ => null,
    };
}
