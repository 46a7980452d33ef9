using Flagger.Core.Registry;

namespace Flagger.Core.Ports;

/// <summary>
/// The canaries this controller owns (watched namespaces, optional label selector) with the containers of
/// their target Deployments, and the one write a registry push makes: a new image on one target container.
/// </summary>
public interface ICanaryCatalog
{
    /// <summary>Every owned canary whose target Deployment exists.</summary>
    Task<IReadOnlyList<CanaryTarget>> ListAsync(CancellationToken cancellationToken);

    /// <summary>One canary's target as it is now (after a lost race), or null when the canary or its target is gone.</summary>
    Task<CanaryTarget?> GetAsync(string @namespace, string name, CancellationToken cancellationToken);

    /// <summary>
    /// Sets <paramref name="image"/> on <paramref name="container"/> of the target, provided the Deployment is
    /// still at <see cref="CanaryTarget.ResourceVersion"/>, and records <paramref name="pushedAt"/> as its last
    /// applied push. Other containers and fields are left alone.
    /// </summary>
    Task<ImagePatchOutcome> SetImageAsync(CanaryTarget target, string container, string image, DateTimeOffset pushedAt, CancellationToken cancellationToken);

    /// <summary>Records a Warning Event on the target's Canary (why a push was not deployed). Never throws for the cluster's refusal.</summary>
    Task WarnAsync(CanaryTarget target, string message, CancellationToken cancellationToken);

    /// <summary>Records a Normal Event on the target's Canary (a push left alone by design). Never throws for the cluster's refusal.</summary>
    Task InformAsync(CanaryTarget target, string message, CancellationToken cancellationToken);
}

/// <param name="Annotations">The Canary's annotations (where the image policy is).</param>
/// <param name="ResourceVersion">Of the target Deployment when read: the precondition of the patch.</param>
/// <param name="LastPushAt">Event time of the last push applied to the target, if any.</param>
public sealed record CanaryTarget(
    string Namespace,
    string Name,
    IReadOnlyDictionary<string, string> Annotations,
    string Deployment,
    string? ResourceVersion,
    IReadOnlyList<TargetContainer> Containers,
    DateTimeOffset? LastPushAt)
{
    /// <summary>
    /// Why no push may be deployed to this target, or null: the Canary is invalid, or not initialised yet (its
    /// primary does not exist), so a new image would reach every user of the workload without an analysis.
    /// </summary>
    public string? Blocked { get; init; }

    /// <summary>The Canary's uid, for Events that name it.</summary>
    public string? Uid { get; init; }

    /// <summary>The GitOps controller that applies the target Deployment from Git (its labels or annotations say so), or null.</summary>
    public GitOpsManager? ManagedBy { get; init; }
}

public sealed record TargetContainer(string Name, string Image);

public enum ImagePatchOutcome
{
    Patched,

    /// <summary>The Deployment changed since it was read: re-read and decide again.</summary>
    Conflict,

    /// <summary>The Deployment or the container is gone.</summary>
    NotFound,

    /// <summary>The primary Deployment does not exist: the Canary is not initialised, so nothing was patched.</summary>
    Uninitialised,
}
