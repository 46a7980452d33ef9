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

    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Overrides every canary's analysis interval (tests and demos); empty: each canary's own.</summary>
    public TimeSpan? RolloutInterval { get; set; }
}
