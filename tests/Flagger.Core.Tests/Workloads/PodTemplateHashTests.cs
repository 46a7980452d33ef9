using Flagger.Core.Workloads;
using k8s.Models;
using Xunit;

namespace Flagger.Core.Tests.Workloads;

public class PodTemplateHashTests
{
    [Fact]
    public void Compute_AnyTemplate_Returns16LowercaseHexCharacters()
    {
        var hash = PodTemplateHash.Compute(Template());

        Assert.Matches("^[0-9a-f]{16}$", hash);
    }

    [Fact]
    public void Compute_SameTemplateBuiltTwice_ReturnsSameHash()
    {
        Assert.Equal(PodTemplateHash.Compute(Template()), PodTemplateHash.Compute(Template()));
    }

    [Fact]
    public void Compute_MapKeysInDifferentInsertionOrder_ReturnsSameHash()
    {
        var first = Template();
        var second = Template();
        second.Metadata.Labels = new Dictionary<string, string> { ["version"] = "v1", ["app"] = "podinfo" };
        second.Metadata.Annotations = new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" };
        second.Spec.NodeSelector = new Dictionary<string, string> { ["zone"] = "a", ["disk"] = "ssd" };
        second.Spec.Containers[0].Resources.Limits = new Dictionary<string, ResourceQuantity>
        {
            ["memory"] = new("128Mi"),
            ["cpu"] = new("100m"),
        };

        Assert.Equal(PodTemplateHash.Compute(first), PodTemplateHash.Compute(second));
    }

    public static TheoryData<string, Action<V1PodTemplateSpec>> Changes => new()
    {
        { "image", t => t.Spec.Containers[0].Image = "ghcr.io/stefanprodan/podinfo:6.0.1" },
        { "env value", t => t.Spec.Containers[0].Env[0].Value = "debug" },
        { "env added", t => t.Spec.Containers[0].Env.Add(new V1EnvVar { Name = "NEW", Value = "1" }) },
        { "env order", t => t.Spec.Containers[0].Env = [.. t.Spec.Containers[0].Env.Reverse()] },
        { "label value", t => t.Metadata.Labels["version"] = "v2" },
        { "label added", t => t.Metadata.Labels["team"] = "a" },
        { "annotation", t => t.Metadata.Annotations["a"] = "changed" },
        { "cpu limit", t => t.Spec.Containers[0].Resources.Limits["cpu"] = new ResourceQuantity("200m") },
        { "port", t => t.Spec.Containers[0].Ports[0].ContainerPort = 9899 },
        { "args", t => t.Spec.Containers[0].Args = ["--level=info"] },
        { "service account", t => t.Spec.ServiceAccountName = "other" },
        { "node selector", t => t.Spec.NodeSelector["zone"] = "b" },
        { "init container", t => t.Spec.InitContainers = [new V1Container { Name = "init", Image = "busybox" }] },
        { "config volume", t => t.Spec.Volumes[0].ConfigMap.Name = "other-config" },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void Compute_AnyFieldChanged_ReturnsDifferentHash(string change, Action<V1PodTemplateSpec> mutate)
    {
        var template = Template();
        var before = PodTemplateHash.Compute(template);

        mutate(template);

        Assert.True(before != PodTemplateHash.Compute(template), $"hash unchanged after {change}");
    }

    private static V1PodTemplateSpec Template() => new()
    {
        Metadata = new V1ObjectMeta
        {
            Labels = new Dictionary<string, string> { ["app"] = "podinfo", ["version"] = "v1" },
            Annotations = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" },
        },
        Spec = new V1PodSpec
        {
            ServiceAccountName = "podinfo",
            NodeSelector = new Dictionary<string, string> { ["disk"] = "ssd", ["zone"] = "a" },
            Containers =
            [
                new V1Container
                {
                    Name = "podinfod",
                    Image = "ghcr.io/stefanprodan/podinfo:6.0.0",
                    Args = ["--level=debug"],
                    Ports = [new V1ContainerPort { Name = "http", ContainerPort = 9898 }],
                    Env = [new V1EnvVar { Name = "LEVEL", Value = "info" }, new V1EnvVar { Name = "COLOR", Value = "blue" }],
                    Resources = new V1ResourceRequirements
                    {
                        Limits = new Dictionary<string, ResourceQuantity>
                        {
                            ["cpu"] = new("100m"),
                            ["memory"] = new("128Mi"),
                        },
                    },
                },
            ],
            Volumes = [new V1Volume { Name = "config", ConfigMap = new V1ConfigMapVolumeSource { Name = "podinfo-config" } }],
        },
    };
}
