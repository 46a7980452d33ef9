using Flagger.Core.Registry;
using Xunit;

namespace Flagger.Core.Tests.Registry;

public class ImageReferenceTests
{
    [Theory]
    [InlineData("contosoacr.azurecr.io/podinfo:6.0.1", "contosoacr.azurecr.io", "podinfo", "6.0.1", null)]
    [InlineData("contosoacr.azurecr.io/team/podinfo", "contosoacr.azurecr.io", "team/podinfo", null, null)]
    [InlineData("ContosoACR.azurecr.io/podinfo:6.0.1", "contosoacr.azurecr.io", "podinfo", "6.0.1", null)]
    [InlineData("localhost:5000/podinfo:v1", "localhost:5000", "podinfo", "v1", null)]
    [InlineData("localhost/podinfo", "localhost", "podinfo", null, null)]
    [InlineData("registry:5000/team/podinfo:1.0", "registry:5000", "team/podinfo", "1.0", null)]
    [InlineData("10.0.0.1:5000/podinfo", "10.0.0.1:5000", "podinfo", null, null)]
    [InlineData("nginx", "docker.io", "library/nginx", null, null)]
    [InlineData("nginx:1.27", "docker.io", "library/nginx", "1.27", null)]
    [InlineData("stefanprodan/podinfo:6.0.0", "docker.io", "stefanprodan/podinfo", "6.0.0", null)]
    [InlineData("docker.io/nginx", "docker.io", "library/nginx", null, null)]
    [InlineData("index.docker.io/stefanprodan/podinfo", "docker.io", "stefanprodan/podinfo", null, null)]
    [InlineData("ghcr.io/stefanprodan/podinfo:6.0.1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "ghcr.io", "stefanprodan/podinfo", "6.0.1", "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("ghcr.io/podinfo@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "ghcr.io", "podinfo", null, "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("my-registry.example.com:8443/a/b/c:tag_1.2-x", "my-registry.example.com:8443", "a/b/c", "tag_1.2-x", null)]
    public void TryParse_ValidReference_SplitsRegistryRepositoryTagDigest(string image, string registry, string repository, string? tag, string? digest)
    {
        Assert.True(ImageReference.TryParse(image, out var reference, out var error), error);

        Assert.Equal(new ImageReference(registry, repository, tag, digest), reference);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("podinfo:6.0.1 ")]
    [InlineData("Contoso/PodInfo")]
    [InlineData("contosoacr.azurecr.io/")]
    [InlineData("contosoacr.azurecr.io/podinfo:")]
    [InlineData("contosoacr.azurecr.io/podinfo:-bad")]
    [InlineData("contosoacr.azurecr.io/podinfo@sha256:short")]
    [InlineData("contosoacr.azurecr.io/podinfo@nodigest")]
    [InlineData("contosoacr.azurecr.io//podinfo")]
    public void TryParse_InvalidReference_ReturnsErrorNamingTheReference(string image)
    {
        Assert.False(ImageReference.TryParse(image, out var reference, out var error));

        Assert.Null(reference);
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Theory]
    [InlineData("contosoacr.azurecr.io/podinfo:6.0.1", "contosoacr.azurecr.io/podinfo")]
    [InlineData("nginx", "docker.io/library/nginx")]
    [InlineData("localhost:5000/podinfo@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "localhost:5000/podinfo")]
    public void Name_Reference_IsRegistrySlashRepository(string image, string name)
    {
        Assert.Equal(name, ImageReference.Parse(image).Name);
    }

    [Theory]
    [InlineData("contosoacr.azurecr.io/podinfo:6.0.1", "contosoacr.azurecr.io/podinfo:6.0.1")]
    [InlineData("nginx:1.27", "docker.io/library/nginx:1.27")]
    [InlineData("ghcr.io/p@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "ghcr.io/p@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("ghcr.io/p:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "ghcr.io/p:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void ToString_Reference_IsFullyQualified(string image, string expected)
    {
        Assert.Equal(expected, ImageReference.Parse(image).ToString());
    }

    [Fact]
    public void Parse_InvalidReference_ThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => ImageReference.Parse("UPPER/case"));
    }
}
