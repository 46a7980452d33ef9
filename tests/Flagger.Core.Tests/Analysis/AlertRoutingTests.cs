using Flagger.Core.Analysis;
using Xunit;

namespace Flagger.Core.Tests.Analysis;

public sealed class AlertRoutingTests
{
    [Theory]
    [InlineData("", AlertSeverity.Info, true)]
    [InlineData(null, AlertSeverity.Error, true)]
    [InlineData("info", AlertSeverity.Info, true)]
    [InlineData("warn", AlertSeverity.Info, false)]
    [InlineData("warn", AlertSeverity.Warn, true)]
    [InlineData("warn", AlertSeverity.Error, true)]
    [InlineData("error", AlertSeverity.Warn, false)]
    [InlineData("error", AlertSeverity.Error, true)]
    [InlineData("critical", AlertSeverity.Error, false)]
    public void Admits_EmptySeverityIsInfo_OthersFilterUpwards(string? subscribed, AlertSeverity alert, bool admitted)
    {
        Assert.Equal(admitted, AlertRouting.Admits(subscribed, alert));
    }
}
