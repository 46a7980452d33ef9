using System.Text;
using Flagger.Core.Workloads;
using k8s.Models;
using Xunit;

namespace Flagger.Core.Tests.Workloads;

public class ConfigChecksumTests
{
    [Fact]
    public void Compute_AnyData_Returns16LowercaseHexCharacters()
    {
        Assert.Matches("^[0-9a-f]{16}$", ConfigChecksum.Compute(Data(("a", "1")), null));
    }

    [Fact]
    public void Compute_KeysInDifferentInsertionOrder_ReturnsSameChecksum()
    {
        var first = ConfigChecksum.Compute(
            Data(("a", "1"), ("b", "2"), ("c", "3")),
            Binary(("x", [1, 2]), ("y", [3])));
        var second = ConfigChecksum.Compute(
            Data(("c", "3"), ("a", "1"), ("b", "2")),
            Binary(("y", [3]), ("x", [1, 2])));

        Assert.Equal(first, second);
    }

    [Fact]
    public void Compute_NullAndEmptyMaps_ReturnSameChecksum()
    {
        Assert.Equal(
            ConfigChecksum.Compute(null, null),
            ConfigChecksum.Compute(new Dictionary<string, string>(), new Dictionary<string, byte[]>()));
    }

    public static TheoryData<string, Dictionary<string, string>?, Dictionary<string, byte[]>?> Variants => new()
    {
        { "value changed", Data(("a", "1"), ("b", "3")), null },
        { "key renamed", Data(("a", "1"), ("c", "2")), null },
        { "key added", Data(("a", "1"), ("b", "2"), ("c", "")), null },
        { "key removed", Data(("a", "1")), null },
        { "value moved between keys", Data(("a", "2"), ("b", "1")), null },
        { "binary added", Data(("a", "1"), ("b", "2")), Binary(("a", [1])) },
        { "string moved to binary", Data(("a", "1")), Binary(("b", "2"u8.ToArray())) },
        { "boundary shifted", Data(("a", "1b"), ("", "2")), null },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Compute_ContentChanged_ReturnsDifferentChecksum(
        string change, Dictionary<string, string>? data, Dictionary<string, byte[]>? binaryData)
    {
        var baseline = ConfigChecksum.Compute(Data(("a", "1"), ("b", "2")), null);

        Assert.True(baseline != ConfigChecksum.Compute(data, binaryData), $"checksum unchanged after {change}");
    }

    [Fact]
    public void Compute_BinaryValueChanged_ReturnsDifferentChecksum()
    {
        Assert.NotEqual(
            ConfigChecksum.Compute(null, Binary(("cert", [1, 2, 3]))),
            ConfigChecksum.Compute(null, Binary(("cert", [1, 2, 4]))));
    }

    [Fact]
    public void Compute_ConfigMapAndSecretOverloads_UseTheirData()
    {
        var configMap = new V1ConfigMap { Data = Data(("a", "1")), BinaryData = Binary(("b", [2])) };
        var secret = new V1Secret { Data = Binary(("password", Encoding.UTF8.GetBytes("s3cret"))) };

        Assert.Equal(ConfigChecksum.Compute(Data(("a", "1")), Binary(("b", [2]))), ConfigChecksum.Compute(configMap));
        Assert.Equal(ConfigChecksum.Compute(null, Binary(("password", Encoding.UTF8.GetBytes("s3cret")))), ConfigChecksum.Compute(secret));
        Assert.NotEqual(ConfigChecksum.Compute(new V1Secret()), ConfigChecksum.Compute(secret));
    }

    [Theory]
    [InlineData("Opaque", true)]
    [InlineData("", true)]
    [InlineData(null, true)]
    [InlineData("kubernetes.io/basic-auth", true)]
    [InlineData("kubernetes.io/ssh-auth", true)]
    [InlineData("kubernetes.io/tls", true)]
    [InlineData("kubernetes.io/service-account-token", false)]
    [InlineData("kubernetes.io/dockerconfigjson", false)]
    [InlineData("kubernetes.io/dockercfg", false)]
    [InlineData("bootstrap.kubernetes.io/token", false)]
    [InlineData("opaque", false)]
    public void IsTracked_SecretType_TracksOnlyUserSecrets(string? type, bool expected)
    {
        Assert.Equal(expected, ConfigChecksum.IsTracked(new V1Secret { Type = type }));
    }

    [Theory]
    [InlineData("disabled", true)]
    [InlineData("disabled-for-now", true)]
    [InlineData("enabled", false)]
    [InlineData("", false)]
    [InlineData(" disabled", false)]
    [InlineData("Disabled", false)]
    public void IsTrackingDisabled_AnnotationValue_DisablesOnDisabledPrefix(string value, bool expected)
    {
        var metadata = new V1ObjectMeta
        {
            Annotations = new Dictionary<string, string> { ["flagger.app/config-tracking"] = value },
        };

        Assert.Equal(expected, ConfigChecksum.IsTrackingDisabled(metadata));
    }

    [Fact]
    public void IsTrackingDisabled_NoAnnotation_IsFalse()
    {
        Assert.False(ConfigChecksum.IsTrackingDisabled(null));
        Assert.False(ConfigChecksum.IsTrackingDisabled(new V1ObjectMeta()));
        Assert.False(ConfigChecksum.IsTrackingDisabled(new V1ObjectMeta
        {
            Annotations = new Dictionary<string, string> { ["other"] = "disabled" },
        }));
    }

    private static Dictionary<string, string> Data(params (string Key, string Value)[] entries) =>
        entries.ToDictionary(e => e.Key, e => e.Value);

    private static Dictionary<string, byte[]> Binary(params (string Key, byte[] Value)[] entries) =>
        entries.ToDictionary(e => e.Key, e => e.Value);
}
