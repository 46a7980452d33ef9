namespace Flagger.Core.Model;

/// <summary>
/// Ours (Flagger issues #1450, #1578): the Canary annotation <c>flagger-functions.io/gate-timeout</c>, a Go duration
/// (<c>2h</c>, <c>30m</c>) after which a closed confirm gate ends the run (<see cref="Flagger.Core.Analysis.GateTimeout"/>);
/// <c>0</c> means no limit, also when the host sets a default. A value that is not a duration, or a negative one, is a
/// validation warning and ignored, as if absent, as our other annotations fall back when they are not understood.
/// </summary>
public static class GateTimeoutAnnotation
{
    public const string Name = "flagger-functions.io/gate-timeout";

    /// <summary>The field a validation problem names.</summary>
    public const string Field = $"metadata.annotations[{Name}]";

    /// <summary>The annotation as written, trimmed; null when the Canary has none.</summary>
    public static string? Value(Canary canary) =>
        canary.Metadata?.Annotations is { } annotations && annotations.TryGetValue(Name, out var value) ? value.Trim() : null;

    /// <summary>
    /// The timeout the annotation sets: <see cref="TimeSpan.Zero"/> for no limit; null when it is absent or ignored
    /// (<see cref="Problem"/>), so the host's default applies.
    /// </summary>
    public static TimeSpan? Timeout(Canary canary) =>
        GoDuration.TryParse(Value(canary), out var timeout) && timeout >= TimeSpan.Zero ? timeout : null;

    /// <summary>Why the annotation is ignored although it is there; null when it is absent or valid.</summary>
    public static string? Problem(Canary canary) => Value(canary) switch
    {
        null => null,
        var value when !GoDuration.TryParse(value, out _) =>
            $"\"{value}\" is not a duration (Go syntax such as 30m, 2h or 1h30m; 0 for no limit); ignored, as if absent",
        _ when Timeout(canary) is null => "must not be negative (0 for no limit); ignored, as if absent",
        _ => null,
    };
}
