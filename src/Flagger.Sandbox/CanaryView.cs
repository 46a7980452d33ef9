using Flagger.Core.Model;
using Flagger.Sandbox.Traffic;

namespace Flagger.Sandbox;

/// <summary>
/// One sample Canary as a live display shows it: its status as Flagger wrote it, the split the gateway
/// serves now (from the HTTPRoute), and what the primary and target Deployments run.
/// </summary>
public sealed record CanaryView(
    string Namespace,
    string Name,
    CanaryStatus? Status,
    RouteWeights? Route,
    DeploymentView Target,
    DeploymentView? Primary)
{
    public CanaryPhase? Phase => Status?.Phase;

    public int CanaryWeight => Status?.CanaryWeight ?? 0;

    public int FailedChecks => Status?.FailedChecks ?? 0;

    public int Iterations => Status?.Iterations ?? 0;

    /// <summary>The Promoted condition's status (<c>True</c>, <c>False</c>, <c>Unknown</c>), null before Flagger wrote one.</summary>
    public string? Promoted => Status?.Promoted?.Status;
}

/// <summary>A Deployment's image and replica counts (<see cref="ReadyReplicas"/> from its status).</summary>
public sealed record DeploymentView(string Name, string? Image, int Replicas, int ReadyReplicas, bool Exists);
