using Flagger.Core.Model;
using Flagger.Core.Workloads;
using Xunit;

namespace Flagger.Core.Tests.Workloads;

public class WorkloadNamesTests
{
    [Theory]
    [InlineData("podinfo", "podinfo-primary")]
    [InlineData("podinfo-config", "podinfo-config-primary")]
    public void PrimaryName_Target_AppendsPrimarySuffix(string target, string expected)
    {
        Assert.Equal(expected, WorkloadNames.PrimaryName(target));
    }

    [Theory]
    [InlineData("podinfo", null, "podinfo", "podinfo-primary", "podinfo-canary")]
    [InlineData("podinfo", "", "podinfo", "podinfo-primary", "podinfo-canary")]
    [InlineData("podinfo", "frontend", "frontend", "frontend-primary", "frontend-canary")]
    public void ServiceNames_ServiceName_DefaultsToTargetName(
        string target, string? serviceName, string apex, string primary, string canary)
    {
        var canaryResource = new Canary
        {
            Spec = new CanarySpec
            {
                TargetRef = new LocalObjectReference { Kind = "Deployment", Name = target },
                Service = new CanaryService { Name = serviceName },
            },
        };

        var name = WorkloadNames.ServiceName(canaryResource);

        Assert.Equal(apex, name);
        Assert.Equal(apex, WorkloadNames.ServiceName(target, serviceName));
        Assert.Equal(primary, WorkloadNames.PrimaryServiceName(name));
        Assert.Equal(canary, WorkloadNames.CanaryServiceName(name));
    }
}
