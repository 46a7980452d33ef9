using System.Text.Json.Serialization;
using Flagger.Core.Model;

namespace Flagger.Core.Analysis;

/// <summary>
/// Ours: a run-time operation on a canary, asked for over HTTP and applied by the next tick. None of them
/// edits the Canary spec, so GitOps tools have nothing to revert.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<CanaryOperationKind>))]
public enum CanaryOperationKind
{
    /// <summary>Skip the rest of the analysis and gates: promote the canary now.</summary>
    Promote,

    /// <summary>Roll back now, as a rollback hook would.</summary>
    Abort,

    /// <summary>Run the failed revision again without a spec change.</summary>
    Retry,

    /// <summary>Freeze the canary where it is (weights stay), like <c>spec.suspend</c>.</summary>
    Pause,

    Resume,

    /// <summary>A built-in gate was opened for the canary (<see cref="CanaryOperation.Detail"/> names the gate); recorded, and the tick runs at once.</summary>
    Approve,
}

/// <param name="By">Who asked (a function key name, a user), for events and history.</param>
/// <param name="Detail">What the operation applies to, for <see cref="CanaryOperationKind.Approve"/> the gate.</param>
public sealed record CanaryOperation(CanaryOperationKind Kind, string? By, DateTimeOffset At, string? Detail = null);

public static class CanaryOperations
{
    /// <summary>Why the operation cannot apply to a canary in this state, or null when it can.</summary>
    public static string? WhyNot(CanaryOperationKind kind, CanaryStatus? status)
    {
        var phase = status?.Phase;
        if (!CanaryPhases.Allows(phase, kind))
        {
            var allowed = CanaryPhases.AllowedFor(kind);
            return $"{kind.ToString().ToLowerInvariant()} needs a canary in {Join(allowed)}, not {Describe(phase)}";
        }

        return kind switch
        {
            CanaryOperationKind.Retry when string.IsNullOrEmpty(status?.LastAppliedSpec) || status.LastAppliedSpec == status.LastPromotedSpec =>
                "retry needs a failed revision that differs from the promoted one",
            CanaryOperationKind.Pause when status?.Paused == true => "the canary is already paused",
            CanaryOperationKind.Resume when status?.Paused != true => "the canary is not paused",
            _ => null,
        };
    }

    private static string Join(IReadOnlyList<CanaryPhase> phases) => phases.Count switch
    {
        1 => phases[0].ToString(),
        _ => string.Join(", ", phases.Take(phases.Count - 1)) + " or " + phases[^1],
    };

    private static string Describe(CanaryPhase? phase) => phase?.ToString() ?? "a canary that has not been initialized";
}
