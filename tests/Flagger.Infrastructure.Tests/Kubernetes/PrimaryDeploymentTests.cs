using Flagger.Core.Model;
using Flagger.Core.Workloads;
using Flagger.Infrastructure.Kubernetes;
using Flagger.Infrastructure.Tests.GatewayApi;
using k8s.Models;

namespace Flagger.Infrastructure.Tests.Kubernetes;

/// <summary>The primary as a copy of the target (spec §3.2, §3.3).</summary>
public sealed class PrimaryDeploymentTests
{
    private static readonly SelectorLabel s_selector = new("app", "podinfo");

    internal static V1Deployment Target(string image = "podinfo:2.0.0", int replicas = 3) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "podinfo",
            NamespaceProperty = "default",
            Labels = new Dictionary<string, string> { ["app"] = "podinfo" },
            Annotations = new Dictionary<string, string> { ["team"] = "web", ["kustomize.toolkit.fluxcd.io/reconcile"] = "enabled" },
        },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            ProgressDeadlineSeconds = 60,
            MinReadySeconds = 5,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "podinfo" } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "podinfo" } },
                Spec = new V1PodSpec
                {
                    Containers =
                    [
                        new V1Container
                        {
                            Name = "podinfod",
                            Image = image,
                            EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "podinfo-config" } }],
                            Env = [new V1EnvVar { Name = "TOKEN", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "podinfo-secret", Key = "token" } } }],
                        },
                    ],
                    InitContainers = [new V1Container { Name = "init", Image = "busybox", EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "shared" } }] }],
                    Volumes =
                    [
                        new V1Volume { Name = "config", ConfigMap = new V1ConfigMapVolumeSource { Name = "podinfo-config" } },
                        new V1Volume { Name = "projected", Projected = new V1ProjectedVolumeSource { Sources = [new V1VolumeProjection { Secret = new V1SecretProjection { Name = "podinfo-secret" } }] } },
                    ],
                    Affinity = new V1Affinity
                    {
                        PodAntiAffinity = new V1PodAntiAffinity
                        {
                            RequiredDuringSchedulingIgnoredDuringExecution =
                            [
                                new V1PodAffinityTerm
                                {
                                    TopologyKey = "kubernetes.io/hostname",
                                    LabelSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "podinfo" } },
                                },
                            ],
                        },
                    },
                },
            },
        },
    };

    private static readonly IReadOnlySet<string> s_tracked = new HashSet<string> { "configmap/podinfo-config", "secret/podinfo-secret" };

    [Fact]
    public void Create_CopiesTheTargetWithPrimarySelectorOwnerAndFlaggerId()
    {
        var primary = PrimaryDeployment.Create(HttpRouteSpecTests.Podinfo(), Target(), s_selector, s_tracked, "rev-2");

        Assert.Equal("podinfo-primary", primary.Metadata.Name);
        Assert.Equal("podinfo-primary", primary.Spec.Selector.MatchLabels["app"]);
        Assert.Equal("podinfo-primary", primary.Spec.Template.Metadata.Labels["app"]);
        Assert.Equal("rev-2", primary.Spec.Template.Metadata.Annotations[PrimaryDeployment.FlaggerIdAnnotation]);
        Assert.Equal(("Canary", "podinfo", true), (primary.Metadata.OwnerReferences[0].Kind, primary.Metadata.OwnerReferences[0].Name, primary.Metadata.OwnerReferences[0].Controller == true));
        Assert.Equal((3, 60, 5), (primary.Spec.Replicas, primary.Spec.ProgressDeadlineSeconds, primary.Spec.MinReadySeconds));
        Assert.Equal("web", primary.Metadata.Annotations["team"]);
        Assert.DoesNotContain(primary.Metadata.Annotations.Keys, k => k.Contains("toolkit.fluxcd.io", StringComparison.Ordinal));
    }

    [Fact]
    public void Create_RenamesTrackedConfigReferencesEverywhere_AndLeavesSharedOnes()
    {
        var spec = PrimaryDeployment.Create(HttpRouteSpecTests.Podinfo(), Target(), s_selector, s_tracked, "rev-2").Spec.Template.Spec;

        Assert.Equal("podinfo-config-primary", spec.Containers[0].EnvFrom[0].ConfigMapRef.Name);
        Assert.Equal("podinfo-secret-primary", spec.Containers[0].Env[0].ValueFrom.SecretKeyRef.Name);
        Assert.Equal("podinfo-config-primary", spec.Volumes[0].ConfigMap.Name);
        Assert.Equal("podinfo-secret-primary", spec.Volumes[1].Projected.Sources[0].Secret.Name);
        Assert.Equal("shared", spec.InitContainers[0].EnvFrom[0].ConfigMapRef.Name);
    }

    [Fact]
    public void Create_AntiAffinityOnTheTargetName_PointsAtThePrimary()
    {
        var spec = PrimaryDeployment.Create(HttpRouteSpecTests.Podinfo(), Target(), s_selector, s_tracked, "rev-2").Spec.Template.Spec;

        Assert.Equal("podinfo-primary", spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution[0].LabelSelector.MatchLabels["app"]);
    }

    [Fact]
    public void Create_TargetScaledToZero_StartsWithOneReplica()
    {
        var primary = PrimaryDeployment.Create(HttpRouteSpecTests.Podinfo(), Target(replicas: 0), s_selector, s_tracked, "rev-2");

        Assert.Equal(1, primary.Spec.Replicas);
    }

    [Fact]
    public void Promote_NewRevision_ReplacesImageAndFlaggerIdButNotTheTargetItself()
    {
        var canary = HttpRouteSpecTests.Podinfo();
        var primary = PrimaryDeployment.Create(canary, Target("podinfo:1.0.0"), s_selector, s_tracked, "rev-1");
        var target = Target("podinfo:2.0.0", replicas: 5);

        PrimaryDeployment.Promote(primary, canary, target, s_selector, s_tracked, "rev-2");

        Assert.Equal("podinfo:2.0.0", primary.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal("rev-2", primary.Spec.Template.Metadata.Annotations[PrimaryDeployment.FlaggerIdAnnotation]);
        Assert.Equal(5, primary.Spec.Replicas);
        Assert.Equal("podinfo-config", target.Spec.Template.Spec.Containers[0].EnvFrom[0].ConfigMapRef.Name);
        Assert.Equal("podinfo", target.Spec.Template.Metadata.Labels["app"]);
    }

    [Fact]
    public void Promote_WithAutoscaler_KeepsThePrimaryReplicas()
    {
        var canary = HttpRouteSpecTests.Podinfo(c => c.Spec.AutoscalerRef = new AutoscalerReference { Kind = "HorizontalPodAutoscaler", Name = "podinfo" });
        var primary = PrimaryDeployment.Create(canary, Target(replicas: 2), s_selector, s_tracked, "rev-1");

        PrimaryDeployment.Promote(primary, canary, Target(replicas: 7), s_selector, s_tracked, "rev-2");

        Assert.Equal(2, primary.Spec.Replicas);
    }
}
