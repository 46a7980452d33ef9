namespace Flagger.Core.Workloads;

/// <summary>
/// Whether a workload can take traffic. Not ready is either retriable (wait for the rollout) or not
/// (progress deadline exceeded: the tick rolls back).
/// </summary>
public sealed record Readiness(bool IsReady, bool IsRetriable, string? Message)
{
    public static readonly Readiness Ready = new(true, true, null);

    public static Readiness Waiting(string message) => new(false, true, message);

    public static Readiness Failed(string message) => new(false, false, message);
}
