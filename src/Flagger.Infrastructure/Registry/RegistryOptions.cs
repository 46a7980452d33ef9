using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Flagger.Core.Registry;

namespace Flagger.Infrastructure.Registry;

/// <summary>Which canaries registry pushes may touch (app settings <c>Registry__*</c>).</summary>
public sealed partial class RegistryOptions : IValidatableObject
{
    public const string Section = "Registry";

    /// <summary>Comma-separated namespaces; empty watches all of them.</summary>
    public string? WatchNamespaces { get; set; }

    /// <summary>A Kubernetes label selector the Canaries must match, e.g. <c>delivery=flagger-functions</c>.</summary>
    public string? LabelSelector { get; set; }

    /// <summary>
    /// Whether a push patches a target Flux or Argo CD applies from Git (<see cref="GitOpsOwnership"/>): <c>skip</c>
    /// (the default: the controller would revert the patch; the Git change starts the rollout) or <c>patch</c>. The
    /// Canary annotation <see cref="GitOpsTargetPolicy.Annotation"/> overrides it for one canary.
    /// </summary>
    public GitOpsTargets GitOpsTargets { get; set; } = GitOpsTargets.Skip;

    /// <summary>Comma-separated label keys that also mark a target as GitOps-managed, e.g. <c>app.kubernetes.io/instance</c> for Argo CD's label tracking.</summary>
    public string? GitOpsLabels { get; set; }

    public IReadOnlyList<string> GitOpsLabelKeys() =>
        (GitOpsLabels ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The watched namespaces; empty means all.</summary>
    public IReadOnlySet<string> Namespaces() =>
        (WatchNamespaces ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);

    public bool Watches(string @namespace)
    {
        var namespaces = Namespaces();
        return namespaces.Count == 0 || namespaces.Contains(@namespace);
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Namespaces().All(NamespaceName().IsMatch))
        {
            yield return new ValidationResult(
                $"{nameof(WatchNamespaces)} must be comma-separated namespace names (lowercase letters, digits and '-', at most 63 characters)",
                [nameof(WatchNamespaces)]);
        }
    }

    /// <summary>A DNS-1123 label, what Kubernetes accepts as a namespace name.</summary>
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex NamespaceName();
}
