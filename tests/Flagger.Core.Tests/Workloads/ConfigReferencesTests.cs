using Flagger.Core.Workloads;
using k8s.Models;
using Xunit;

namespace Flagger.Core.Tests.Workloads;

public class ConfigReferencesTests
{
    public static TheoryData<string, V1PodSpec, ConfigKind, string> Locations => new()
    {
        { "configMap volume", WithVolume(new V1Volume { Name = "v", ConfigMap = new V1ConfigMapVolumeSource { Name = "cm" } }), ConfigKind.ConfigMap, "cm" },
        { "secret volume", WithVolume(new V1Volume { Name = "v", Secret = new V1SecretVolumeSource { SecretName = "s" } }), ConfigKind.Secret, "s" },
        {
            "projected configMap",
            WithVolume(new V1Volume { Name = "v", Projected = new V1ProjectedVolumeSource { Sources = [new V1VolumeProjection { ConfigMap = new V1ConfigMapProjection { Name = "pcm" } }] } }),
            ConfigKind.ConfigMap, "pcm"
        },
        {
            "projected secret",
            WithVolume(new V1Volume { Name = "v", Projected = new V1ProjectedVolumeSource { Sources = [new V1VolumeProjection { Secret = new V1SecretProjection { Name = "ps" } }] } }),
            ConfigKind.Secret, "ps"
        },
        { "container env configMapKeyRef", WithContainer(EnvConfigMap("ecm", "k")), ConfigKind.ConfigMap, "ecm" },
        { "container env secretKeyRef", WithContainer(EnvSecret("es", "k")), ConfigKind.Secret, "es" },
        { "container envFrom configMapRef", WithContainer(envFrom: new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "fcm" } }), ConfigKind.ConfigMap, "fcm" },
        { "container envFrom secretRef", WithContainer(envFrom: new V1EnvFromSource { SecretRef = new V1SecretEnvSource { Name = "fs" } }), ConfigKind.Secret, "fs" },
        { "initContainer env configMapKeyRef", WithContainer(EnvConfigMap("icm", "k"), init: true), ConfigKind.ConfigMap, "icm" },
        { "initContainer env secretKeyRef", WithContainer(EnvSecret("is", "k"), init: true), ConfigKind.Secret, "is" },
        { "initContainer envFrom configMapRef", WithContainer(envFrom: new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "ifcm" } }, init: true), ConfigKind.ConfigMap, "ifcm" },
        { "initContainer envFrom secretRef", WithContainer(envFrom: new V1EnvFromSource { SecretRef = new V1SecretEnvSource { Name = "ifs" } }, init: true), ConfigKind.Secret, "ifs" },
    };

    [Theory]
    [MemberData(nameof(Locations))]
    public void Find_ReferenceInLocation_IsFoundAsMandatory(string location, V1PodSpec spec, ConfigKind kind, string name)
    {
        var references = ConfigReferences.Find(spec);

        Assert.True(references.Count == 1, $"{location}: found {references.Count}");
        Assert.Equal(new ConfigReference(kind, name, Optional: false), references[0]);
    }

    [Fact]
    public void Find_EveryLocationTogether_FindsAllSortedByKey()
    {
        var spec = new V1PodSpec { Containers = [], InitContainers = [], Volumes = [] };
        foreach (var row in Locations)
        {
            var part = (V1PodSpec)row[1];
            foreach (var volume in part.Volumes ?? [])
            {
                spec.Volumes.Add(volume);
            }

            foreach (var container in part.Containers ?? [])
            {
                spec.Containers.Add(container);
            }

            foreach (var container in part.InitContainers ?? [])
            {
                spec.InitContainers.Add(container);
            }
        }

        var keys = ConfigReferences.Find(spec).Select(r => r.Key);

        Assert.Equal(
            [
                "configmap/cm", "configmap/ecm", "configmap/fcm", "configmap/icm", "configmap/ifcm", "configmap/pcm",
                "secret/es", "secret/fs", "secret/ifs", "secret/is", "secret/ps", "secret/s",
            ],
            keys);
    }

    [Theory]
    [InlineData(true, true, true)]
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    [InlineData(false, false, false)]
    public void Find_SameConfigReferencedTwice_IsOptionalOnlyIfEveryReferenceIs(
        bool volumeOptional, bool envOptional, bool expectedOptional)
    {
        var spec = new V1PodSpec
        {
            Volumes = [new V1Volume { Name = "v", ConfigMap = new V1ConfigMapVolumeSource { Name = "shared", Optional = volumeOptional } }],
            Containers = [new V1Container { Name = "app", Env = [EnvConfigMap("shared", "k", envOptional)] }],
        };

        var references = ConfigReferences.Find(spec);

        Assert.Equal([new ConfigReference(ConfigKind.ConfigMap, "shared", expectedOptional)], references);
    }

    [Fact]
    public void Find_OptionalFlagInEachLocation_IsCarried()
    {
        var spec = new V1PodSpec
        {
            Volumes =
            [
                new V1Volume { Name = "a", ConfigMap = new V1ConfigMapVolumeSource { Name = "a", Optional = true } },
                new V1Volume { Name = "b", Secret = new V1SecretVolumeSource { SecretName = "b", Optional = true } },
                new V1Volume
                {
                    Name = "c",
                    Projected = new V1ProjectedVolumeSource
                    {
                        Sources =
                        [
                            new V1VolumeProjection { ConfigMap = new V1ConfigMapProjection { Name = "c", Optional = true } },
                            new V1VolumeProjection { Secret = new V1SecretProjection { Name = "d", Optional = true } },
                        ],
                    },
                },
            ],
            InitContainers =
            [
                new V1Container
                {
                    Name = "init",
                    Env = [EnvConfigMap("e", "k", optional: true), EnvSecret("f", "k", optional: true)],
                    EnvFrom =
                    [
                        new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "g", Optional = true } },
                        new V1EnvFromSource { SecretRef = new V1SecretEnvSource { Name = "h", Optional = true } },
                    ],
                },
            ],
            Containers = [new V1Container { Name = "app", Env = [EnvSecret("i", "k", optional: false)] }],
        };

        var references = ConfigReferences.Find(spec);

        Assert.Equal(9, references.Count);
        Assert.All(references.Where(r => r.Name != "i"), r => Assert.True(r.Optional, r.Key));
        Assert.False(references.Single(r => r.Name == "i").Optional);
    }

    [Fact]
    public void Find_ConfigMapAndSecretWithSameName_AreDistinct()
    {
        var spec = WithContainer(EnvConfigMap("same", "k"));
        spec.Containers[0].Env.Add(EnvSecret("same", "k"));

        var references = ConfigReferences.Find(spec);

        Assert.Equal(["configmap/same", "secret/same"], references.Select(r => r.Key));
    }

    [Fact]
    public void Find_SameSecretManyTimes_ReturnsItOnce()
    {
        var spec = WithContainer(EnvSecret("db", "user"), init: true);
        spec.Containers = [new V1Container { Name = "app", Env = [EnvSecret("db", "user"), EnvSecret("db", "password")] }];
        spec.Volumes = [new V1Volume { Name = "v", Secret = new V1SecretVolumeSource { SecretName = "db" } }];

        var references = ConfigReferences.Find(spec);

        Assert.Equal([new ConfigReference(ConfigKind.Secret, "db", false)], references);
    }

    [Fact]
    public void Find_PlainEnvAndOtherVolumes_FindsNothing()
    {
        var spec = new V1PodSpec
        {
            Volumes = [new V1Volume { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource() }],
            Containers =
            [
                new V1Container
                {
                    Name = "app",
                    Env =
                    [
                        new V1EnvVar { Name = "A", Value = "1" },
                        new V1EnvVar { Name = "POD", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } },
                    ],
                },
            ],
        };

        Assert.Empty(ConfigReferences.Find(spec));
    }

    [Theory]
    [InlineData(ConfigKind.ConfigMap, "podinfo-config", "configmap/podinfo-config")]
    [InlineData(ConfigKind.Secret, "podinfo-secret", "secret/podinfo-secret")]
    public void Key_Kind_MatchesTrackedConfigsFormat(ConfigKind kind, string name, string expected)
    {
        Assert.Equal(expected, new ConfigReference(kind, name, false).Key);
    }

    private static V1PodSpec WithVolume(V1Volume volume) => new() { Containers = [new V1Container { Name = "app" }], Volumes = [volume] };

    private static V1PodSpec WithContainer(V1EnvVar? env = null, V1EnvFromSource? envFrom = null, bool init = false)
    {
        var container = new V1Container
        {
            Name = init ? "init" : "app",
            Env = env is null ? [] : [env],
            EnvFrom = envFrom is null ? [] : [envFrom],
        };
        return init
            ? new V1PodSpec { Containers = [new V1Container { Name = "app" }], InitContainers = [container] }
            : new V1PodSpec { Containers = [container] };
    }

    private static V1EnvVar EnvConfigMap(string name, string key, bool? optional = null) =>
        new() { Name = "X", ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Key = key, Name = name, Optional = optional } } };

    private static V1EnvVar EnvSecret(string name, string key, bool? optional = null) =>
        new() { Name = "X", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Key = key, Name = name, Optional = optional } } };
}
