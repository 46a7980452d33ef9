using System.ComponentModel.DataAnnotations;

namespace Flagger.Host;

/// <summary>Settings of Flagger.Host (<c>Host__*</c>); the adapters read their own sections, as in the Function App.</summary>
public sealed class FlaggerHostOptions
{
    public const string Section = "Host";

    /// <summary>Callers of <c>/api/*</c> send it as <c>x-functions-key</c> or <c>?code=</c>. Compared in constant time. Empty: no key, allowed only when the host listens on loopback only (the sandbox); otherwise the host refuses to start.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The Durable task hub, shared by every replica of the host in one storage account.</summary>
    public string TaskHubName { get; set; } = "flaggerhost";

    /// <summary>The storage account of the task hub (the Azure Storage backend). Empty: the state store's connection string.</summary>
    public string? DurableConnectionString { get; set; }

    /// <summary>
    /// Activities (observe, checks, apply) the durable backend runs at once on this host; each waits mostly on the
    /// API server, Prometheus and Table Storage, so far more than the cores. Empty: the Azure Storage provider's
    /// default (10), which caps a host at about 10 / (activity time) activities per second.
    /// </summary>
    [Range(1, 10_000)]
    public int? MaxConcurrentActivities { get; set; }

    /// <summary>Orchestration episodes (replays of a rollout between its activities) run at once. Empty: the provider's default (100).</summary>
    [Range(1, 10_000)]
    public int? MaxConcurrentOrchestrations { get; set; }

    /// <summary>Control queues of the task hub (the provider's default: 4). Fixed when the task hub is first created: a new value needs a new task hub.</summary>
    [Range(1, 16)]
    public int? PartitionCount { get; set; }

    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Overrides every canary's analysis interval (tests and demos); empty: each canary's own.</summary>
    public TimeSpan? RolloutInterval { get; set; }
}
