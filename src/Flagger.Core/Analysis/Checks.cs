using System.Text.Json.Serialization;
using Flagger.Core.Model;

namespace Flagger.Core.Analysis;

/// <summary>The kinds of checks a tick can ask for, each with Flagger's stop rule.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CheckStageKind>))]
public enum CheckStageKind
{
    /// <summary>Metric providers answer <c>vector(1)</c>; never stops the tick (Initializing only).</summary>
    ProviderAvailability,

    /// <summary>Rollback hooks: the first 2xx requests a rollback.</summary>
    Rollback,

    /// <summary>confirm-rollout gates: all must open.</summary>
    ConfirmRollout,

    /// <summary>pre-rollout hooks on the first analysis tick: the first failure is a failed check.</summary>
    PreRollout,

    /// <summary>rollout hooks, then metrics: the first failure is a failed check.</summary>
    Analysis,

    /// <summary>confirm-traffic-increase gates before a weight step.</summary>
    ConfirmTrafficIncrease,

    /// <summary>confirm-promotion gates when the last step or iteration is reached.</summary>
    ConfirmPromotion,
}

/// <summary>One stage of checks, run in order; a stage that does not pass ends the plan.</summary>
public sealed record CheckStage(
    CheckStageKind Kind,
    CanaryPhase? PayloadPhase,
    IReadOnlyList<CanaryWebhook> Webhooks,
    IReadOnlyList<CanaryMetric> Metrics);

/// <summary>The checks a tick needs, decided from the observation alone, so they can run in one activity.</summary>
public sealed record CheckPlan(IReadOnlyList<CheckStage> Stages)
{
    [JsonIgnore]
    public bool IsEmpty => Stages.Count == 0;
}

[JsonConverter(typeof(JsonStringEnumConverter<CheckKind>))]
public enum CheckKind
{
    Webhook,
    Metric,
    Provider,
}

[JsonConverter(typeof(JsonStringEnumConverter<CheckVerdict>))]
public enum CheckVerdict
{
    Passed,
    Failed,

    /// <summary>No data under <c>onNoData: skip</c>: not evaluated, does not stop the stage.</summary>
    Skipped,
}

/// <summary>One webhook call or metric evaluation, as recorded in the tick's history.</summary>
public sealed record CheckResult(
    CheckKind Kind,
    string Name,
    CheckVerdict Verdict,
    string Message,
    double? Value = null,
    ThresholdRange? Range = null,
    string? Query = null)
{
    [JsonIgnore]
    public bool Passed => Verdict != CheckVerdict.Failed;
}

/// <summary>The outcome of a stage. For rollback hooks, passing means no hook asked for a rollback.</summary>
public sealed record StageResult(CheckStageKind Kind, bool Passed, IReadOnlyList<CheckResult> Results)
{
    [JsonIgnore]
    public CheckResult? FirstFailure => Results.FirstOrDefault(r => !r.Passed);
}

/// <summary>What a tick's checks found: one result per stage that ran, in plan order.</summary>
public sealed record CheckReport(IReadOnlyList<StageResult> Stages)
{
    public static readonly CheckReport Empty = new([]);
}
