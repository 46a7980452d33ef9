using System.Text.Json.Serialization;

namespace Flagger.Core.Model;

/// <summary>The Canary status subresource: Flagger's fields, plus <see cref="PendingRevision"/>.</summary>
public sealed record CanaryStatus
{
    [JsonPropertyName("phase")]
    public CanaryPhase? Phase { get; init; }

    [JsonPropertyName("failedChecks")]
    public int FailedChecks { get; init; }

    [JsonPropertyName("canaryWeight")]
    public int CanaryWeight { get; init; }

    [JsonPropertyName("iterations")]
    public int Iterations { get; init; }

    [JsonPropertyName("trackedConfigs")]
    public IReadOnlyDictionary<string, string>? TrackedConfigs { get; init; }

    [JsonPropertyName("lastAppliedSpec")]
    public string? LastAppliedSpec { get; init; }

    [JsonPropertyName("lastPromotedSpec")]
    public string? LastPromotedSpec { get; init; }

    [JsonPropertyName("lastTransitionTime")]
    [JsonConverter(typeof(KubernetesTimeConverter))]
    public DateTimeOffset? LastTransitionTime { get; init; }

    [JsonPropertyName("sessionAffinityCookie")]
    public string? SessionAffinityCookie { get; init; }

    [JsonPropertyName("primarySessionAffinityCookie")]
    public string? PrimarySessionAffinityCookie { get; init; }

    [JsonPropertyName("previousSessionAffinityCookie")]
    public string? PreviousSessionAffinityCookie { get; init; }

    /// <summary>
    /// Ours: the pod template hash of a revision that was detected but whose run has not started yet
    /// (waiting for confirm-rollout, or the detecting tick stopped early). Flagger can lose such a change
    /// in the Failed phase; persisting it means a detected revision is always run.
    /// </summary>
    [JsonPropertyName("pendingRevision")]
    public string? PendingRevision { get; init; }

    /// <summary>Ours: frozen by a pause operation until a resume; the weights stay where they are.</summary>
    [JsonPropertyName("paused")]
    public bool Paused { get; init; }

    /// <summary>
    /// Ours: the Canary <c>metadata.generation</c> this status was computed from. The adapters converge the
    /// generated Services only when it lags (or, with <c>portDiscovery</c>, when the target's revision is new),
    /// which keeps a steady-state tick to a handful of API calls.
    /// </summary>
    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; init; }

    /// <summary>
    /// Ours: the confirm gate the canary is waiting on and since when, for the gate timeout
    /// (<c>flagger-functions.io/gate-timeout</c>, <see cref="Flagger.Core.Analysis.GateTimeout"/>); null while no gate is closed.
    /// </summary>
    [JsonPropertyName("gateWait")]
    public GateWait? GateWait { get; init; }

    [JsonPropertyName("conditions")]
    public IReadOnlyList<CanaryCondition>? Conditions { get; init; }

    [JsonIgnore]
    public CanaryCondition? Promoted => Conditions?.FirstOrDefault(c => c.Type == CanaryCondition.PromotedType);
}

/// <summary>
/// Ours: a closed confirm gate, and when a tick first found it closed in this wait (not the status's
/// <c>lastTransitionTime</c>, which every status write bumps).
/// </summary>
public sealed record GateWait
{
    /// <summary>The webhook type of the gate: <c>confirm-rollout</c>, <c>confirm-traffic-increase</c> or <c>confirm-promotion</c>.</summary>
    [JsonPropertyName("gate")]
    public string Gate { get; init; } = "";

    /// <summary>The target revision (pod template hash) that waits: a new one waits afresh.</summary>
    [JsonPropertyName("revision")]
    public string? Revision { get; init; }

    [JsonPropertyName("since")]
    [JsonConverter(typeof(KubernetesTimeConverter))]
    public DateTimeOffset Since { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<CanaryPhase>))]
public enum CanaryPhase
{
    Initializing,
    Initialized,
    Waiting,
    Progressing,
    WaitingPromotion,
    Promoting,
    Finalising,
    Succeeded,
    Failed,
    Terminating,
    Terminated,
}

public sealed record CanaryCondition
{
    public const string PromotedType = "Promoted";

    [JsonPropertyName("type")]
    public string Type { get; init; } = PromotedType;

    /// <summary><c>True</c>, <c>False</c> or <c>Unknown</c>.</summary>
    [JsonPropertyName("status")]
    public string Status { get; init; } = "Unknown";

    [JsonPropertyName("lastUpdateTime")]
    [JsonConverter(typeof(KubernetesTimeConverter))]
    public DateTimeOffset? LastUpdateTime { get; init; }

    [JsonPropertyName("lastTransitionTime")]
    [JsonConverter(typeof(KubernetesTimeConverter))]
    public DateTimeOffset? LastTransitionTime { get; init; }

    [JsonPropertyName("reason")]
    public string? Reason { get; init; }

    [JsonPropertyName("message")]
    public string? Message { get; init; }
}
