using Flagger.Core.Workloads;
using k8s.Models;
using Xunit;

namespace Flagger.Core.Tests.Workloads;

public class SelectorLabelTests
{
    [Theory]
    [InlineData("app=podinfo", "app", "podinfo")]
    [InlineData("name=podinfo", "name", "podinfo")]
    [InlineData("app.kubernetes.io/name=podinfo", "app.kubernetes.io/name", "podinfo")]
    [InlineData("app.kubernetes.io/name=a,name=b,app=c", "app", "c")]
    [InlineData("app.kubernetes.io/name=a,name=b", "name", "b")]
    [InlineData("tier=web,app.kubernetes.io/name=a", "app.kubernetes.io/name", "a")]
    public void Find_DefaultCandidates_PicksFirstInPrecedenceOrder(string matchLabels, string label, string value)
    {
        var result = SelectorLabel.Find(Target(matchLabels));

        Assert.True(result.IsFound, result.Error);
        Assert.Equal(new SelectorLabel(label, value), result.Selector);
        Assert.Equal(value + "-primary", result.Selector.PrimaryValue);
    }

    [Fact]
    public void Find_CustomCandidates_UsesTheirOrder()
    {
        var result = SelectorLabel.Find(Target("app=a,component=b"), ["component", "app"]);

        Assert.True(result.IsFound, result.Error);
        Assert.Equal(new SelectorLabel("component", "b"), result.Selector);
    }

    [Theory]
    [InlineData("tier=web")]
    [InlineData("")]
    [InlineData("App=podinfo")]
    public void Find_NoCandidateInMatchLabels_ReturnsErrorNamingCandidates(string matchLabels)
    {
        var result = SelectorLabel.Find(Target(matchLabels));

        Assert.False(result.IsFound);
        Assert.Null(result.Selector);
        Assert.Contains("spec.selector.matchLabels must contain one of app, name, app.kubernetes.io/name", result.Error);
        Assert.Contains("podinfo", result.Error);
    }

    [Fact]
    public void Find_NoSelectorAtAll_ReturnsError()
    {
        var target = new V1Deployment { Metadata = new V1ObjectMeta { Name = "podinfo" }, Spec = new V1DeploymentSpec() };

        var result = SelectorLabel.Find(target);

        Assert.False(result.IsFound);
        Assert.Contains("spec.selector.matchLabels must contain one of", result.Error);
    }

    [Fact]
    public void Find_CustomCandidatesMissing_NamesThoseCandidates()
    {
        var result = SelectorLabel.Find(Target("app=a"), ["component", "role"]);

        Assert.False(result.IsFound);
        Assert.Contains("must contain one of component, role", result.Error);
    }

    private static V1Deployment Target(string matchLabels) => new()
    {
        Metadata = new V1ObjectMeta { Name = "podinfo", NamespaceProperty = "test" },
        Spec = new V1DeploymentSpec
        {
            Selector = new V1LabelSelector
            {
                MatchLabels = matchLabels
                    .Split(',', StringSplitOptions.RemoveEmptyEntries)
                    .Select(pair => pair.Split('='))
                    .ToDictionary(pair => pair[0], pair => pair[1]),
            },
        },
    };
}
