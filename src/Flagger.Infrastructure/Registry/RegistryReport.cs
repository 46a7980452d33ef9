using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flagger.Infrastructure.Registry;

/// <summary>
/// The webhook's answer body: per event, what was done to each canary that runs the pushed repository.
/// Event Grid keeps it in its delivery logs, so an operator can read why a push did or did not deploy.
/// </summary>
public sealed record RegistryReport(IReadOnlyList<EventReport> Events, string? Error = null)
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    public static RegistryReport FromJson(string json) => JsonSerializer.Deserialize<RegistryReport>(json, s_json)!;
}

/// <param name="Outcome">One of <see cref="EventOutcome"/>.</param>
/// <param name="Image">The pushed <c>registry/repository:tag@digest</c>.</param>
public sealed record EventReport(string Id, string Type, string Outcome, string? Reason, string? Image, IReadOnlyList<CanaryReport> Canaries);

/// <param name="Outcome">One of <see cref="CanaryOutcome"/>.</param>
public sealed record CanaryReport(string Namespace, string Name, string Outcome, string? Container, string? From, string? To, string? Reason);

public static class EventOutcome
{
    /// <summary>Acted on and recorded.</summary>
    public const string Handled = "handled";

    /// <summary>Already recorded by an earlier delivery: nothing new was done.</summary>
    public const string Duplicate = "duplicate";

    public const string Ignored = "ignored";

    /// <summary>A dependency failed; the whole delivery is answered 503 so Event Grid sends it again.</summary>
    public const string Failed = "failed";
}

public static class CanaryOutcome
{
    /// <summary>The target runs the pushed image now, and the rollout was started or signalled.</summary>
    public const string Patched = "patched";

    /// <summary>The target already runs the pushed image.</summary>
    public const string Unchanged = "unchanged";

    /// <summary>The Canary is invalid or not initialised: a push reaches users only through an analysis, so none was deployed.</summary>
    public const string Skipped = "skipped";

    /// <summary>The image policy refused the push (downgrade, range, pattern, order, none, invalid annotation).</summary>
    public const string Refused = "refused";

    /// <summary>
    /// The target is applied from Git by Flux or Argo CD (the reason names which, and the label or annotation
    /// seen): a patch would be reverted, so none was made; the Git change starts the rollout through the sweep.
    /// </summary>
    public const string GitOpsManaged = "gitops-managed";

    /// <summary>The canary or its target was deleted while the push was handled.</summary>
    public const string Gone = "gone";

    /// <summary>The target kept changing under the patch; the delivery is answered 503 and tried again.</summary>
    public const string Failed = "failed";
}
