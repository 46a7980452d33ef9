using System.Text.Json.Nodes;
using Flagger.Infrastructure.Registry;

namespace Flagger.Infrastructure.Tests.Registry;

public sealed class TargetImagePatchTests
{
    [Fact]
    public void Build_Container_PatchesThatContainerByNameAtTheReadVersion()
    {
        var body = TargetImagePatch.Build("podinfo", "contosoacr.azurecr.io/podinfo:6.0.1@sha256:abc", "41", new DateTimeOffset(2026, 11, 20, 11, 15, 2, TimeSpan.FromHours(1)));

        var expected = JsonNode.Parse("""
            {
              "metadata": {
                "resourceVersion": "41",
                "annotations": { "flagger-functions.io/last-push-at": "2026-11-20T10:15:02.0000000+00:00" }
              },
              "spec": { "template": { "spec": { "containers": [ { "name": "podinfo", "image": "contosoacr.azurecr.io/podinfo:6.0.1@sha256:abc" } ] } } }
            }
            """);
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(body)), body);
    }

    [Theory]
    [InlineData("", "image", "1")]
    [InlineData("podinfo", "", "1")]
    [InlineData("podinfo", "image", "")]
    public void Build_MissingPart_Throws(string container, string image, string resourceVersion)
    {
        Assert.ThrowsAny<ArgumentException>(() => TargetImagePatch.Build(container, image, resourceVersion, DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void ParsePushedAt_FormattedValue_RoundTripsToTheTick()
    {
        var at = new DateTimeOffset(2026, 11, 20, 10, 15, 2, TimeSpan.Zero).AddTicks(1170341);

        Assert.Equal(at, TargetImagePatch.ParsePushedAt(TargetImagePatch.FormatPushedAt(at)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("yesterday")]
    public void ParsePushedAt_Unreadable_IsNull(string? value)
    {
        Assert.Null(TargetImagePatch.ParsePushedAt(value));
    }
}
