namespace Flagger.Cli.Api;

// The HTTP API's JSON (src/Flagger.Rollouts/Api/CanaryApi.cs and the history records of Flagger.Core), read in
// ASP.NET Core's web defaults (camelCase). Copied as shapes rather than referenced: the API's records live in
// assemblies that pull in the Kubernetes client, ASP.NET Core and the Durable Task SDK, which a command-line tool
// does not need. Enums stay strings, so a phase or check kind added to the API later is shown, not a parse error.
// Flagger.Cli.Tests serializes the API's own records and reads them back with these (ApiModelsContractTests).

public sealed record CanarySummary(string Namespace, string Name, string? Phase, int CanaryWeight, int PrimaryWeight, int FailedChecks, long Ticks, DateTimeOffset UpdatedAt);

public sealed record CanaryCondition(string? Type, string? Status, string? Reason, string? Message, DateTimeOffset? LastTransitionTime);

public sealed record CanaryDetail(
    string Namespace,
    string Name,
    string? Phase,
    int CanaryWeight,
    int PrimaryWeight,
    int FailedChecks,
    int Iterations,
    bool Paused,
    string? LastAppliedSpec,
    string? LastPromotedSpec,
    IReadOnlyList<CanaryCondition>? Conditions,
    IReadOnlyList<CheckResult>? LastChecks,
    string? LastMessage,
    DateTimeOffset? UpdatedAt,
    AnalysisSummary? Analysis = null);

/// <summary>
/// The analysis the rollout follows (from the Canary's spec): the canary weights it steps through (canary
/// strategy) or its iterations (blue-green, A/B testing), and the weight at which promotion starts.
/// </summary>
public sealed record AnalysisSummary(string Strategy, IReadOnlyList<int>? Weights, int MaxWeight, int Iterations, int Threshold, string? Interval);

public sealed record ThresholdRange(double? Min, double? Max);

/// <summary>One webhook call or metric evaluation; <see cref="Verdict"/> is Passed, Failed or Skipped.</summary>
public sealed record CheckResult(string Kind, string Name, string Verdict, string? Message, double? Value, ThresholdRange? Range, string? Query)
{
    public bool Failed => string.Equals(Verdict, "Failed", StringComparison.OrdinalIgnoreCase);
}

public sealed record CanaryOperation(string Kind, string? By, DateTimeOffset At, string? Detail);

public sealed record HistoryEntry(
    string Namespace,
    string Name,
    long Sequence,
    DateTimeOffset At,
    string? Phase,
    int PrimaryWeight,
    int CanaryWeight,
    int FailedChecks,
    string? Message,
    IReadOnlyList<CheckResult>? Checks,
    IReadOnlyList<CanaryOperation>? Operations);

public sealed record HistoryPage(IReadOnlyList<HistoryEntry> Entries, string? ContinuationToken);

public sealed record AcceptedOperation(long Number, string Kind, string? By, DateTimeOffset At, string? Detail);

public sealed record ApiErrorBody(string? Error);
