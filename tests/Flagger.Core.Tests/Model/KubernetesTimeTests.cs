using System.Text.Json;
using Flagger.Core.Model;
using Xunit;

namespace Flagger.Core.Tests.Model;

public sealed class KubernetesTimeTests
{
    private static readonly DateTimeOffset s_at = new(2026, 12, 3, 14, 8, 8, 345, TimeSpan.FromHours(1));

    [Fact]
    public void StatusTimes_AreWrittenAsTheApiServerWritesThem_UtcToTheSecond()
    {
        var status = new CanaryStatus
        {
            LastTransitionTime = s_at,
            Conditions = [new CanaryCondition { LastUpdateTime = s_at, LastTransitionTime = s_at }],
        };

        var json = JsonSerializer.Serialize(status);

        Assert.Contains("\"lastTransitionTime\":\"2026-12-03T13:08:08Z\"", json, StringComparison.Ordinal);
        Assert.Contains("\"lastUpdateTime\":\"2026-12-03T13:08:08Z\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("+01:00", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-12-03T13:08:08Z")]
    [InlineData("2026-12-03T13:08:08.3451429+00:00")]
    [InlineData("2026-12-03T14:08:08+01:00")]
    public void StatusTimes_ReadRfc3339AndTheFractionalTimesEarlierBuildsStored(string written)
    {
        var status = JsonSerializer.Deserialize<CanaryStatus>($$"""{"lastTransitionTime":"{{written}}"}""");

        var read = status!.LastTransitionTime!.Value;
        Assert.Equal(new DateTimeOffset(2026, 12, 3, 13, 8, 8, TimeSpan.Zero), read.AddTicks(-(read.UtcTicks % TimeSpan.TicksPerSecond)));
    }

    [Fact]
    public void StatusTimes_Null_StaysNull()
    {
        var status = JsonSerializer.Deserialize<CanaryStatus>("""{"lastTransitionTime":null}""");

        Assert.Null(status!.LastTransitionTime);
    }
}
