using Flagger.Core.Registry;
using k8s.Models;
using Xunit;

namespace Flagger.Core.Tests.Registry;

public class GitOpsOwnershipTests
{
    /// <summary>Labels and annotations as "l:key=value" and "a:key=value".</summary>
    private static V1ObjectMeta Metadata(params string[] entries)
    {
        var metadata = new V1ObjectMeta { Name = "podinfo", Labels = new Dictionary<string, string>(), Annotations = new Dictionary<string, string>() };
        foreach (var entry in entries)
        {
            var (kind, pair) = (entry[..2], entry[2..].Split('=', 2));
            (kind == "l:" ? metadata.Labels : metadata.Annotations)[pair[0]] = pair[1];
        }

        return metadata;
    }

    [Theory]
    [InlineData("Flux", "labels kustomize.toolkit.fluxcd.io/name=apps, kustomize.toolkit.fluxcd.io/namespace=flux-system",
        "l:kustomize.toolkit.fluxcd.io/name=apps", "l:kustomize.toolkit.fluxcd.io/namespace=flux-system")]
    [InlineData("Flux", "label kustomize.toolkit.fluxcd.io/name=apps", "l:kustomize.toolkit.fluxcd.io/name=apps")]
    [InlineData("Flux", "labels helm.toolkit.fluxcd.io/name=podinfo, helm.toolkit.fluxcd.io/namespace=apps",
        "l:helm.toolkit.fluxcd.io/name=podinfo", "l:helm.toolkit.fluxcd.io/namespace=apps", "l:app.kubernetes.io/instance=podinfo")]
    [InlineData("Argo CD", "annotation argocd.argoproj.io/tracking-id=podinfo:apps/Deployment:test/podinfo",
        "a:argocd.argoproj.io/tracking-id=podinfo:apps/Deployment:test/podinfo")]
    [InlineData("Argo CD", "label argocd.argoproj.io/instance=podinfo", "l:argocd.argoproj.io/instance=podinfo")]
    [InlineData("Argo CD", "label app.kubernetes.io/instance=podinfo with annotation argocd.argoproj.io/sync-wave",
        "l:app.kubernetes.io/instance=podinfo", "a:argocd.argoproj.io/sync-wave=1")]
    public void Detect_ControllerLabelsOrAnnotations_NameTheControllerAndWhatShowedIt(string controller, string evidence, params string[] entries)
    {
        var manager = GitOpsOwnership.Detect(Metadata(entries));

        Assert.Equal(new GitOpsManager(controller, evidence), manager);
    }

    [Theory]
    [InlineData]
    [InlineData("l:app=podinfo")]
    // What every Helm chart sets to its release name: not Argo CD's on its own.
    [InlineData("l:app.kubernetes.io/instance=podinfo", "l:app.kubernetes.io/managed-by=Helm")]
    [InlineData("a:argocd.argoproj.io/sync-wave=1")]
    [InlineData("l:toolkit.fluxcd.io/tenant=dev")]
    public void Detect_NoControllerMark_IsNotManaged(params string[] entries)
    {
        Assert.Null(GitOpsOwnership.Detect(Metadata(entries)));
        Assert.Null(GitOpsOwnership.Detect(null));
    }

    [Fact]
    public void Detect_ALabelListedInTheSettings_MarksTheTargetManaged()
    {
        var metadata = Metadata("l:app.kubernetes.io/instance=podinfo");

        var manager = GitOpsOwnership.Detect(metadata, ["example.com/synced-by", "app.kubernetes.io/instance"]);

        Assert.Equal(new GitOpsManager("a GitOps controller", "label app.kubernetes.io/instance=podinfo, listed in Registry__GitOpsLabels"), manager);
    }

    [Theory]
    [InlineData(GitOpsTargets.Skip, null, false, "Registry__GitOpsTargets=patch, or the Canary annotation flagger-functions.io/gitops-target: patch, deploys pushes to it")]
    [InlineData(GitOpsTargets.Patch, null, true, null)]
    [InlineData(GitOpsTargets.Skip, "patch", true, null)]
    [InlineData(GitOpsTargets.Skip, " patch ", true, null)]
    [InlineData(GitOpsTargets.Patch, "skip", false, "the Canary annotation flagger-functions.io/gitops-target: skip")]
    [InlineData(GitOpsTargets.Patch, "Patch", false, "annotation flagger-functions.io/gitops-target: 'Patch' is neither patch nor skip; skipped")]
    [InlineData(GitOpsTargets.Skip, "yes", false, "annotation flagger-functions.io/gitops-target: 'yes' is neither patch nor skip; skipped")]
    public void Patches_SettingAndCanaryAnnotation_TheAnnotationWinsAndAnUnknownValueSkips(GitOpsTargets setting, string? annotation, bool patches, string? skipped)
    {
        var annotations = annotation is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [GitOpsTargetPolicy.Annotation] = annotation };

        Assert.Equal(patches, GitOpsTargetPolicy.Patches(setting, annotations, out var why));
        if (!patches)
        {
            Assert.Equal(skipped, why);
        }
    }
}
