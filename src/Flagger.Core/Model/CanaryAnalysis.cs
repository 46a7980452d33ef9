using System.Text.Json.Serialization;
using YamlDotNet.Serialization;

namespace Flagger.Core.Model;

/// <summary><c>spec.analysis</c>: the schedule, the checks and the gates of a rollout.</summary>
public sealed class CanaryAnalysis
{
    [JsonPropertyName("interval")]
    public string? Interval { get; set; }

    [JsonPropertyName("threshold")]
    public int? Threshold { get; set; }

    [JsonPropertyName("maxWeight")]
    public int? MaxWeight { get; set; }

    [JsonPropertyName("stepWeight")]
    public int? StepWeight { get; set; }

    [JsonPropertyName("stepWeights")]
    public IList<int>? StepWeights { get; set; }

    [JsonPropertyName("stepWeightPromotion")]
    public int? StepWeightPromotion { get; set; }

    [JsonPropertyName("iterations")]
    public int? Iterations { get; set; }

    [JsonPropertyName("match")]
    public IList<HttpMatchRequest>? Match { get; set; }

    [JsonPropertyName("mirror")]
    public bool Mirror { get; set; }

    [JsonPropertyName("mirrorWeight")]
    public int? MirrorWeight { get; set; }

    [JsonPropertyName("primaryReadyThreshold")]
    public int? PrimaryReadyThreshold { get; set; }

    [JsonPropertyName("canaryReadyThreshold")]
    public int? CanaryReadyThreshold { get; set; }

    [JsonPropertyName("sessionAffinity")]
    public SessionAffinity? SessionAffinity { get; set; }

    [JsonPropertyName("metrics")]
    public IList<CanaryMetric>? Metrics { get; set; }

    [JsonPropertyName("webhooks")]
    public IList<CanaryWebhook>? Webhooks { get; set; }

    [JsonPropertyName("alerts")]
    public IList<CanaryAlert>? Alerts { get; set; }

    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMinutes(1);

    /// <summary>Flagger's floor for the analysis interval.</summary>
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromSeconds(10);

    /// <summary>The tick period: 60 s when empty or unparsable, never below <paramref name="minimum"/>.</summary>
    public TimeSpan GetInterval(TimeSpan? minimum = null)
    {
        var floor = minimum ?? MinimumInterval;
        if (!GoDuration.TryParse(Interval, out var interval) || interval <= TimeSpan.Zero)
        {
            return DefaultInterval < floor ? floor : DefaultInterval;
        }

        return interval < floor ? floor : interval;
    }

    [JsonIgnore]
    public int EffectiveThreshold => Threshold is > 0 ? Threshold.Value : 1;

    [JsonIgnore]
    public int EffectiveIterations => Iterations is > 0 ? Iterations.Value : 0;

    [JsonIgnore]
    public int EffectivePrimaryReadyThreshold => PrimaryReadyThreshold is > 0 ? PrimaryReadyThreshold.Value : 100;

    [JsonIgnore]
    public int EffectiveCanaryReadyThreshold => CanaryReadyThreshold is > 0 ? CanaryReadyThreshold.Value : 100;

    [JsonIgnore]
    public DeploymentStrategy Strategy => this switch
    {
        { EffectiveIterations: > 0, Match.Count: > 0 } => DeploymentStrategy.ABTesting,
        { EffectiveIterations: > 0 } => DeploymentStrategy.BlueGreen,
        _ => DeploymentStrategy.Canary,
    };

    public IEnumerable<CanaryWebhook> WebhooksOfType(string type) =>
        (Webhooks ?? []).Where(w => WebhookType.Normalize(w.Type) == type);
}

public enum DeploymentStrategy
{
    Canary,
    BlueGreen,
    ABTesting,
}

public sealed class SessionAffinity
{
    [JsonPropertyName("cookieName")]
    public string CookieName { get; set; } = "";

    [JsonPropertyName("primaryCookieName")]
    public string? PrimaryCookieName { get; set; }

    [JsonPropertyName("domain")]
    public string? Domain { get; set; }

    [JsonPropertyName("httpOnly")]
    public bool? HttpOnly { get; set; }

    [JsonPropertyName("maxAge")]
    public int? MaxAge { get; set; }

    [JsonPropertyName("partitioned")]
    public bool? Partitioned { get; set; }

    [JsonPropertyName("path")]
    public string? Path { get; set; }

    [JsonPropertyName("sameSite")]
    public string? SameSite { get; set; }

    [JsonPropertyName("secure")]
    public bool? Secure { get; set; }
}

/// <summary>One entry of <c>analysis.metrics</c>.</summary>
public sealed class CanaryMetric
{
    public const string RequestSuccessRate = "request-success-rate";
    public const string RequestDuration = "request-duration";

    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("interval")]
    public string? Interval { get; set; }

    /// <summary>Deprecated single bound; see <see cref="ThresholdRange"/>.</summary>
    [JsonPropertyName("threshold")]
    public double? Threshold { get; set; }

    [JsonPropertyName("thresholdRange")]
    public ThresholdRange? ThresholdRange { get; set; }

    /// <summary>Deprecated inline PromQL.</summary>
    [JsonPropertyName("query")]
    public string? Query { get; set; }

    [JsonPropertyName("templateRef")]
    public CrossNamespaceObjectReference? TemplateRef { get; set; }

    [JsonPropertyName("templateVariables")]
    public IDictionary<string, string>? TemplateVariables { get; set; }

    /// <summary>Ours: what a query without data means. <c>fail</c> (Flagger's behaviour, default), <c>pass</c> or <c>skip</c>.</summary>
    [JsonPropertyName("onNoData")]
    public string? OnNoData { get; set; }

    /// <summary>Every metric gets <c>1m</c> when unset, template metrics too (Flagger leaves them empty).</summary>
    [JsonIgnore]
    public string EffectiveInterval => string.IsNullOrWhiteSpace(Interval) ? "1m" : Interval;

    [JsonIgnore]
    public bool IsBuiltin => Name is RequestSuccessRate or RequestDuration;

    [JsonIgnore]
    public NoDataPolicy NoDataPolicy => OnNoData?.ToLowerInvariant() switch
    {
        "pass" => NoDataPolicy.Pass,
        "skip" => NoDataPolicy.Skip,
        _ => NoDataPolicy.Fail,
    };
}

public enum NoDataPolicy
{
    Fail,
    Pass,
    Skip,
}

public sealed class ThresholdRange
{
    [JsonPropertyName("min")]
    public double? Min { get; set; }

    [JsonPropertyName("max")]
    public double? Max { get; set; }
}

/// <summary>One entry of <c>analysis.webhooks</c>.</summary>
public sealed class CanaryWebhook
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("url")]
    public string Url { get; set; } = "";

    [JsonPropertyName("timeout")]
    public string? Timeout { get; set; }

    [JsonPropertyName("retries")]
    public int? Retries { get; set; }

    // KubernetesYaml maps JSON names only for its own models; ours go through the camelCase convention.
    [JsonPropertyName("disableTLS")]
    [YamlMember(Alias = "disableTLS", ApplyNamingConventions = false)]
    public bool DisableTls { get; set; }

    [JsonPropertyName("muteAlert")]
    public bool MuteAlert { get; set; }

    [JsonPropertyName("metadata")]
    public IDictionary<string, string>? Metadata { get; set; }

    /// <summary>Per attempt; 10 s when unset or shorter than two characters, as in Flagger.</summary>
    [JsonIgnore]
    public TimeSpan EffectiveTimeout =>
        Timeout is { Length: >= 2 } && GoDuration.TryParse(Timeout, out var t) && t > TimeSpan.Zero ? t : TimeSpan.FromSeconds(10);
}

public static class WebhookType
{
    public const string ConfirmRollout = "confirm-rollout";
    public const string PreRollout = "pre-rollout";
    public const string Rollout = "rollout";
    public const string ConfirmTrafficIncrease = "confirm-traffic-increase";
    public const string ConfirmPromotion = "confirm-promotion";
    public const string PostRollout = "post-rollout";
    public const string Rollback = "rollback";
    public const string Event = "event";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        ConfirmRollout, PreRollout, Rollout, ConfirmTrafficIncrease, ConfirmPromotion, PostRollout, Rollback, Event,
    };

    /// <summary>An empty type is a rollout hook.</summary>
    public static string Normalize(string? type) => string.IsNullOrEmpty(type) ? Rollout : type;
}

/// <summary>One entry of <c>analysis.alerts</c>.</summary>
public sealed class CanaryAlert
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("severity")]
    public string? Severity { get; set; }

    [JsonPropertyName("providerRef")]
    public CrossNamespaceObjectReference ProviderRef { get; set; } = new();
}
