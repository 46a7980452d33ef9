using System.ComponentModel.DataAnnotations;
using Flagger.Infrastructure;

namespace Flagger.Host;

/// <summary>Settings of Flagger.Host (<c>Host__*</c>); the adapters read their own sections, as in the Function App.</summary>
public sealed class FlaggerHostOptions : IValidatableObject
{
    public const string Section = "Host";

    /// <summary>Callers of <c>/api/*</c> send it as <c>x-functions-key</c> or <c>?code=</c>. Compared in constant time. Empty: no key, allowed only when the host listens on loopback only (the sandbox); otherwise the host refuses to start.</summary>
    [SecretSetting]
    public string? ApiKey { get; set; }

    /// <summary>The Durable task hub, shared by every replica of the host in one storage account.</summary>
    [RegularExpression("^[A-Za-z][A-Za-z0-9]{2,44}$", ErrorMessage = "{0} must start with a letter and hold 3 to 45 letters and digits (the Azure Storage provider's rule)")]
    public string TaskHubName { get; set; } = "flaggerhost";

    /// <summary>The storage account of the task hub (the Azure Storage backend). Empty: <see cref="DurableAccountName"/>, else the state store's connection string.</summary>
    [SecretSetting]
    public string? DurableConnectionString { get; set; }

    /// <summary>
    /// The task hub's storage account by name, reached with Azure.Identity (a managed identity, or workload
    /// identity in a cluster) instead of a connection string.
    /// </summary>
    [RegularExpression("^[a-z0-9]{3,24}$", ErrorMessage = "{0} must be a storage account name: 3 to 24 lowercase letters and digits")]
    public string? DurableAccountName { get; set; }

    /// <summary>
    /// Activities (observe, checks, apply) the durable backend runs at once on this host; each waits mostly on the
    /// API server, Prometheus and Table Storage, so far more than the cores. Empty: the Azure Storage provider's
    /// default (10), which caps a host at about 10 / (activity time) activities per second.
    /// </summary>
    [Range(1, 10_000, ErrorMessage = Messages.Between)]
    public int? MaxConcurrentActivities { get; set; }

    /// <summary>Orchestration episodes (replays of a rollout between its activities) run at once. Empty: the provider's default (100).</summary>
    [Range(1, 10_000, ErrorMessage = Messages.Between)]
    public int? MaxConcurrentOrchestrations { get; set; }

    /// <summary>Control queues of the task hub (the provider's default: 4). Fixed when the task hub is first created: a new value needs a new task hub.</summary>
    [Range(1, 16, ErrorMessage = Messages.Between)]
    public int? PartitionCount { get; set; }

    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Overrides every canary's analysis interval (tests and demos); empty: each canary's own.</summary>
    public TimeSpan? RolloutInterval { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(DurableConnectionString) && !string.IsNullOrEmpty(DurableAccountName))
        {
            yield return new ValidationResult(
                $"Set at most one of {Settings.Name(Section, nameof(DurableConnectionString))} and {Settings.Name(Section, nameof(DurableAccountName))}",
                [nameof(DurableConnectionString), nameof(DurableAccountName)]);
        }

        if (SweepInterval <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"{nameof(SweepInterval)} must be a positive duration", [nameof(SweepInterval)]);
        }

        if (RolloutInterval <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"{nameof(RolloutInterval)} must be a positive duration", [nameof(RolloutInterval)]);
        }
    }
}
