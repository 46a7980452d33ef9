using Flagger.Core.Model;
using Xunit;

namespace Flagger.Core.Tests.Model;

public sealed class KubernetesNamesTests
{
    [Theory]
    [InlineData("test", true)]
    [InlineData("a", true)]
    [InlineData("0", true)]
    [InlineData("flagger-system", true)]
    [InlineData("Test", false)]
    [InlineData("-test", false)]
    [InlineData("test-", false)]
    [InlineData("te.st", false)]
    [InlineData("te_st", false)]
    [InlineData("test\n", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsDns1123Label_FollowsKubernetes(string? value, bool valid) =>
        Assert.Equal(valid, KubernetesNames.IsDns1123Label(value));

    [Fact]
    public void IsDns1123Label_AtMost63Characters()
    {
        Assert.True(KubernetesNames.IsDns1123Label(new string('a', 63)));
        Assert.False(KubernetesNames.IsDns1123Label(new string('a', 64)));
    }

    [Theory]
    [InlineData("podinfo", true)]
    [InlineData("podinfo.v2", true)]
    [InlineData("a.b-c.d", true)]
    [InlineData("podinfo.", false)]
    [InlineData(".podinfo", false)]
    [InlineData("pod..info", false)]
    [InlineData("pod.-info", false)]
    [InlineData("Podinfo", false)]
    [InlineData("pod/info", false)]
    [InlineData("pod info", false)]
    [InlineData("podinfo\n", false)]
    [InlineData("", false)]
    public void IsDns1123Subdomain_FollowsKubernetes(string value, bool valid) =>
        Assert.Equal(valid, KubernetesNames.IsDns1123Subdomain(value));

    [Fact]
    public void IsDns1123Subdomain_AtMost253Characters()
    {
        var longest = string.Join('.', Enumerable.Repeat(new string('b', 63), 3)) + "." + new string('c', 61);

        Assert.True(KubernetesNames.IsDns1123Subdomain(longest));
        Assert.False(KubernetesNames.IsDns1123Subdomain(longest + "c"));
    }

    [Fact]
    public void WhyNotCanary_NamesTheFaultyPartAndTruncatesTheEcho()
    {
        Assert.Null(KubernetesNames.WhyNotCanary("test", "podinfo"));
        Assert.StartsWith("invalid namespace 'Test'", KubernetesNames.WhyNotCanary("Test", "podinfo"), StringComparison.Ordinal);
        Assert.StartsWith("invalid name 'pod_info'", KubernetesNames.WhyNotCanary("test", "pod_info"), StringComparison.Ordinal);
        Assert.DoesNotContain(new string('x', 65), KubernetesNames.WhyNotCanary("test", new string('x', 300)), StringComparison.Ordinal);
    }
}
