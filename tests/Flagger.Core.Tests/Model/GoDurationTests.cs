using Flagger.Core.Model;
using Xunit;

namespace Flagger.Core.Tests.Model;

public class GoDurationTests
{
    [Theory]
    [InlineData("1m30s", 90_000)]
    [InlineData("1.5h", 5_400_000)]
    [InlineData("500ms", 500)]
    [InlineData("10s", 10_000)]
    [InlineData("0", 0)]
    [InlineData("-1s", -1_000)]
    [InlineData("+2m", 120_000)]
    [InlineData("1h2m3s4ms", 3_723_004)]
    [InlineData(".5s", 500)]
    [InlineData("1500us", 1.5)]
    public void TryParse_GoSyntax_ReturnsDuration(string text, double expectedMilliseconds)
    {
        Assert.True(GoDuration.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), duration);
    }

    [Theory]
    [InlineData("10")]
    [InlineData("abc")]
    [InlineData("1x")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("-")]
    [InlineData("1h-1m")]
    [InlineData("1d")]
    [InlineData("s")]
    [InlineData(" 1s")]
    public void TryParse_NotGoSyntax_ReturnsFalse(string? text)
    {
        Assert.False(GoDuration.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.Zero, duration);
    }

    [Fact]
    public void Parse_Invalid_ThrowsFormatExceptionNamingTheValue()
    {
        var e = Assert.Throws<FormatException>(() => GoDuration.Parse("1x"));
        Assert.Contains("\"1x\"", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(90_000, "1m30s")]
    [InlineData(10_000, "10s")]
    [InlineData(500, "500ms")]
    [InlineData(0, "0s")]
    [InlineData(5_400_000, "1h30m0s")]
    [InlineData(7_200_000, "2h0m0s")]
    [InlineData(1_500, "1.5s")]
    [InlineData(60_000, "1m0s")]
    [InlineData(-1_000, "-1s")]
    [InlineData(-90_000, "-1m30s")]
    [InlineData(-500, "-500ms")]
    [InlineData(90_000_000, "25h0m0s")]
    [InlineData(0.25, "250µs")]
    public void Format_Duration_PrintsLikeGo(double milliseconds, string expected)
    {
        Assert.Equal(expected, GoDuration.Format(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [Theory]
    [InlineData("1m30s")]
    [InlineData("500ms")]
    [InlineData("1h0m5s")]
    [InlineData("-2m0s")]
    public void Format_ParsedValue_RoundTrips(string text)
    {
        Assert.Equal(text, GoDuration.Format(GoDuration.Parse(text)));
    }
}
