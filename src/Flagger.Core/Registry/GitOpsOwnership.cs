using k8s.Models;

namespace Flagger.Core.Registry;

/// <summary>The GitOps controller that applies a workload from Git, and the label or annotation that shows it.</summary>
/// <param name="Controller"><c>Flux</c>, <c>Argo CD</c>, or <c>a GitOps controller</c> for a label named in the settings.</param>
/// <param name="Evidence">What was seen, e.g. <c>label kustomize.toolkit.fluxcd.io/name=apps</c>.</param>
public sealed record GitOpsManager(string Controller, string Evidence)
{
    public override string ToString() => $"{Controller} ({Evidence})";
}

/// <summary>What a registry push does to a GitOps-managed target (<c>Registry__GitOpsTargets</c>).</summary>
public enum GitOpsTargets
{
    /// <summary>Not patched: the controller would revert the patch (and the rollout with it); the Git change starts the rollout.</summary>
    Skip,

    /// <summary>Patched like any other target (the controller is known not to revert it, e.g. it ignores the image field).</summary>
    Patch,
}

/// <summary>
/// Whether a target Deployment is applied by Flux or Argo CD, read from the labels and annotations those
/// controllers put on what they apply. A push patched onto such a target is reverted at the controller's next
/// reconciliation (Flux's kustomize-controller and Argo CD with self-heal restore the image from Git), which
/// would roll the canary back to the old image mid-analysis.
/// </summary>
/// <remarks>
/// What counts:
/// <list type="bullet">
/// <item>Flux: the label <c>kustomize.toolkit.fluxcd.io/name</c> (Kustomization) or <c>helm.toolkit.fluxcd.io/name</c>
/// (HelmRelease), which the controllers set on every object they apply, with its <c>.../namespace</c> companion.</item>
/// <item>Argo CD annotation tracking (the default since Argo CD 3.0): the annotation <c>argocd.argoproj.io/tracking-id</c>.</item>
/// <item>Argo CD label tracking with the instance label Argo CD's documentation recommends: <c>argocd.argoproj.io/instance</c>.</item>
/// <item>Argo CD's default label tracking (<c>app.kubernetes.io/instance</c>) only together with another
/// <c>argocd.argoproj.io/</c> label or annotation (sync-wave, sync-options, compare-options...): that label alone is
/// what every Helm chart sets to its release name, so on its own it is not taken as Argo CD's.</item>
/// <item>Any label key listed in <c>Registry__GitOpsLabels</c> (for example <c>app.kubernetes.io/instance</c> where only
/// Argo CD sets it, or a custom <c>application.instanceLabelKey</c>).</item>
/// </list>
/// </remarks>
public static class GitOpsOwnership
{
    public const string FluxKustomizeName = "kustomize.toolkit.fluxcd.io/name";
    public const string FluxKustomizeNamespace = "kustomize.toolkit.fluxcd.io/namespace";
    public const string FluxHelmName = "helm.toolkit.fluxcd.io/name";
    public const string FluxHelmNamespace = "helm.toolkit.fluxcd.io/namespace";
    public const string ArgoTrackingId = "argocd.argoproj.io/tracking-id";
    public const string ArgoInstance = "argocd.argoproj.io/instance";
    public const string ArgoPrefix = "argocd.argoproj.io/";
    public const string InstanceLabel = "app.kubernetes.io/instance";

    /// <summary>The controller applying the object, or null when none is seen.</summary>
    /// <param name="extraLabels">More label keys that mark a GitOps-managed object (the setting <c>Registry__GitOpsLabels</c>).</param>
    public static GitOpsManager? Detect(V1ObjectMeta? metadata, IReadOnlyCollection<string>? extraLabels = null)
    {
        var labels = metadata?.Labels;
        var annotations = metadata?.Annotations;
        string? Label(string key) => labels is not null && labels.TryGetValue(key, out var value) ? value : null;

        if (Flux(Label(FluxKustomizeName), Label(FluxKustomizeNamespace), FluxKustomizeName, FluxKustomizeNamespace) is { } kustomization)
        {
            return new GitOpsManager("Flux", kustomization);
        }

        if (Flux(Label(FluxHelmName), Label(FluxHelmNamespace), FluxHelmName, FluxHelmNamespace) is { } helmRelease)
        {
            return new GitOpsManager("Flux", helmRelease);
        }

        if (annotations is not null && annotations.TryGetValue(ArgoTrackingId, out var trackingId))
        {
            return new GitOpsManager("Argo CD", $"annotation {ArgoTrackingId}={trackingId}");
        }

        if (Label(ArgoInstance) is { } argoInstance)
        {
            return new GitOpsManager("Argo CD", $"label {ArgoInstance}={argoInstance}");
        }

        if (Label(InstanceLabel) is { } instance)
        {
            var argoKey = labels!.Keys.Concat(annotations?.Keys ?? []).Where(k => k.StartsWith(ArgoPrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).FirstOrDefault();
            if (argoKey is not null)
            {
                var kind = labels.ContainsKey(argoKey) ? "label" : "annotation";
                return new GitOpsManager("Argo CD", $"label {InstanceLabel}={instance} with {kind} {argoKey}");
            }
        }

        foreach (var key in extraLabels ?? [])
        {
            if (Label(key) is { } value)
            {
                return new GitOpsManager("a GitOps controller", $"label {key}={value}, listed in Registry__GitOpsLabels");
            }
        }

        return null;
    }

    private static string? Flux(string? name, string? @namespace, string nameKey, string namespaceKey) => name switch
    {
        null => null,
        _ when @namespace is null => $"label {nameKey}={name}",
        _ => $"labels {nameKey}={name}, {namespaceKey}={@namespace}",
    };
}

/// <summary>Whether a push may patch a GitOps-managed target: the setting, overridden per Canary by an annotation.</summary>
public static class GitOpsTargetPolicy
{
    /// <summary>On the Canary: <c>patch</c> or <c>skip</c>, overriding <c>Registry__GitOpsTargets</c> for its target.</summary>
    public const string Annotation = "flagger-functions.io/gitops-target";

    /// <summary>
    /// True when the push may patch the managed target; otherwise <paramref name="skipped"/> says what decided
    /// it. An annotation value other than <c>patch</c> or <c>skip</c> skips (the safe side), naming the value.
    /// </summary>
    public static bool Patches(GitOpsTargets setting, IReadOnlyDictionary<string, string>? canaryAnnotations, out string skipped)
    {
        if (canaryAnnotations is null || !canaryAnnotations.TryGetValue(Annotation, out var raw))
        {
            skipped = $"Registry__GitOpsTargets=patch, or the Canary annotation {Annotation}: patch, deploys pushes to it";
            return setting == GitOpsTargets.Patch;
        }

        switch (raw.Trim())
        {
            case "patch":
                skipped = "";
                return true;
            case "skip":
                skipped = $"the Canary annotation {Annotation}: skip";
                return false;
            default:
                skipped = $"annotation {Annotation}: '{raw}' is neither patch nor skip; skipped";
                return false;
        }
    }
}
