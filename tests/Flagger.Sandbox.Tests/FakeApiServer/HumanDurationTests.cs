using Flagger.Sandbox.Kubernetes;

namespace Flagger.Sandbox.Tests.FakeApiServer;

public sealed class HumanDurationTests
{
    [Theory]
    [InlineData(-5, "<invalid>")]
    [InlineData(-0.5, "0s")]
    [InlineData(0, "0s")]
    [InlineData(119, "119s")]
    [InlineData(120, "2m")]
    [InlineData(5 * 60 + 3, "5m3s")]
    [InlineData(10 * 60 + 3, "10m")]
    [InlineData(179 * 60, "179m")]
    [InlineData(3 * 3600 + 12 * 60, "3h12m")]
    [InlineData(5 * 3600, "5h")]
    [InlineData(47 * 3600, "47h")]
    [InlineData(3 * 86400 + 4 * 3600, "3d4h")]
    [InlineData(9 * 86400, "9d")]
    [InlineData(2 * 365 * 86400 + 30 * 86400, "2y30d")]
    [InlineData(9 * 365 * 86400, "9y")]
    public void Format_AgeInSeconds_PrintsLikeKubectl(double seconds, string expected) =>
        Assert.Equal(expected, HumanDuration.Format(TimeSpan.FromSeconds(seconds)));
}
