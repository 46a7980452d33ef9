using System.Globalization;
using Flagger.Cli.Api;
using Spectre.Console;

namespace Flagger.Cli.Views;

/// <summary>What the views share: kubectl's ages, phase colours, a check against its range.</summary>
internal static class Format
{
    /// <summary>kubectl's age: <c>45s</c>, <c>3m12s</c>, <c>2h5m</c>, <c>3d4h</c>.</summary>
    public static string Age(DateTimeOffset at, DateTimeOffset now)
    {
        var age = now - at;
        if (age < TimeSpan.Zero)
        {
            age = TimeSpan.Zero;
        }

        return age switch
        {
            { TotalMinutes: < 2 } => $"{(int)age.TotalSeconds}s",
            { TotalMinutes: < 10 } => $"{(int)age.TotalMinutes}m{age.Seconds}s",
            { TotalHours: < 3 } => $"{(int)age.TotalMinutes}m",
            { TotalHours: < 8 } => $"{(int)age.TotalHours}h{age.Minutes}m",
            { TotalDays: < 2 } => $"{(int)age.TotalHours}h",
            { TotalDays: < 8 } => $"{(int)age.TotalDays}d{age.Hours}h",
            _ => $"{(int)age.TotalDays}d",
        };
    }

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static string PhaseColour(string? phase) => phase switch
    {
        "Succeeded" => "green",
        "Failed" or "Terminated" => "red",
        "Progressing" or "Promoting" or "Finalising" => "blue",
        "WaitingPromotion" or "Waiting" => "yellow",
        _ => "grey",
    };

    public static string Phase(string? phase) => $"[{PhaseColour(phase)}]{Markup.Escape(phase ?? "-")}[/]";

    public static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>The range as Flagger writes it: <c>[99, ∞)</c>, <c>(-∞, 500]</c>, <c>[1, 1]</c>.</summary>
    public static string Range(ThresholdRange? range) => range switch
    {
        null or { Min: null, Max: null } => "",
        _ => $"{(range.Min is { } min ? "[" + Number(min) : "(-∞")}, {(range.Max is { } max ? Number(max) + "]" : "∞)")}",
    };

    /// <summary>One check, coloured by its verdict: <c>✔ metric request-success-rate 100 in [99, ∞)</c>.</summary>
    public static string Check(CheckResult check)
    {
        var (mark, colour) = check.Verdict switch
        {
            "Passed" => ("✔", "green"),
            "Failed" => ("✘", "red"),
            _ => ("–", "grey"),
        };
        var text = $"{check.Kind.ToLowerInvariant()} {check.Name}";
        if (check.Value is { } value)
        {
            var range = Range(check.Range);
            text += range.Length == 0 ? $" {Number(value)}" : $" {Number(value)} {(check.Failed ? "not in" : "in")} {range}";
        }

        if (!string.IsNullOrEmpty(check.Message) && check.Value is null)
        {
            text += $": {check.Message}";
        }

        return $"[{colour}]{mark} {Markup.Escape(text)}[/]";
    }
}
