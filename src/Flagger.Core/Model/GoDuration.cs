using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Flagger.Core.Model;

/// <summary>Go's <c>time.ParseDuration</c> syntax (<c>1m30s</c>, <c>1.5h</c>, <c>500ms</c>), which Flagger's fields use.</summary>
public static class GoDuration
{
    private static readonly (string Unit, double Ticks)[] s_units =
    [
        ("ns", 0.01),
        ("us", TimeSpan.TicksPerMicrosecond),
        ("µs", TimeSpan.TicksPerMicrosecond),
        ("μs", TimeSpan.TicksPerMicrosecond),
        ("ms", TimeSpan.TicksPerMillisecond),
        ("s", TimeSpan.TicksPerSecond),
        ("m", TimeSpan.TicksPerMinute),
        ("h", TimeSpan.TicksPerHour),
    ];

    public static TimeSpan Parse(string value) =>
        TryParse(value, out var duration) ? duration : throw new FormatException($"invalid duration \"{value}\"");

    public static bool TryParse([NotNullWhen(true)] string? value, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        var s = value.AsSpan();
        var negative = false;
        if (s[0] is '-' or '+')
        {
            negative = s[0] == '-';
            s = s[1..];
        }

        if (s is "0")
        {
            return true;
        }

        if (s.IsEmpty)
        {
            return false;
        }

        double ticks = 0;
        while (!s.IsEmpty)
        {
            var numberLength = 0;
            while (numberLength < s.Length && (char.IsAsciiDigit(s[numberLength]) || s[numberLength] == '.'))
            {
                numberLength++;
            }

            if (numberLength == 0 || !double.TryParse(s[..numberLength], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            s = s[numberLength..];
            var unitLength = 0;
            while (unitLength < s.Length && !char.IsAsciiDigit(s[unitLength]) && s[unitLength] != '.')
            {
                unitLength++;
            }

            var unit = s[..unitLength];
            var factor = -1.0;
            foreach (var (name, unitTicks) in s_units)
            {
                if (unit.SequenceEqual(name))
                {
                    factor = unitTicks;
                    break;
                }
            }

            if (factor < 0)
            {
                return false;
            }

            ticks += number * factor;
            s = s[unitLength..];
        }

        if (ticks > TimeSpan.MaxValue.Ticks)
        {
            return false;
        }

        duration = TimeSpan.FromTicks((long)Math.Round(negative ? -ticks : ticks));
        return true;
    }

    /// <summary>Formats the way Go prints durations: <c>1m30s</c>, <c>10s</c>, <c>500ms</c>, <c>0s</c>.</summary>
    public static string Format(TimeSpan duration)
    {
        if (duration == TimeSpan.Zero)
        {
            return "0s";
        }

        if (duration < TimeSpan.Zero)
        {
            return duration == TimeSpan.MinValue ? "-" + Format(TimeSpan.MaxValue) : "-" + Format(duration.Negate());
        }

        if (duration < TimeSpan.FromMilliseconds(1))
        {
            return $"{duration.TotalMicroseconds.ToString(CultureInfo.InvariantCulture)}µs";
        }

        if (duration < TimeSpan.FromSeconds(1))
        {
            return $"{duration.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms";
        }

        var text = "";
        if (duration.Hours + (duration.Days * 24) > 0)
        {
            text += $"{(duration.Days * 24) + duration.Hours}h";
        }

        if (duration.Minutes > 0 || text.Length > 0)
        {
            text += $"{duration.Minutes}m";
        }

        var seconds = duration.Seconds + (duration.Milliseconds / 1000.0);
        text += $"{seconds.ToString(CultureInfo.InvariantCulture)}s";
        return text;
    }
}
