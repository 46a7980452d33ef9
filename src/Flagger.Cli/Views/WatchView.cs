using Flagger.Cli.Api;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Flagger.Cli.Views;

/// <summary><c>flaggerctl watch</c>: the live panel, and the one-line form for consoles that cannot redraw.</summary>
internal static class WatchView
{
    private const int BarWidth = 30;

    /// <summary>
    /// The panel: phase, a bar of the canary weight toward <paramref name="maxWeight"/> (full once promoting:
    /// the canary has then taken all it will), iteration, failed checks, the last tick's message and checks.
    /// </summary>
    public static IRenderable Render(CanaryDetail canary, int maxWeight, DateTimeOffset now, string? note = null)
    {
        var rows = new List<IRenderable>
        {
            new Markup($"[bold]{Markup.Escape(canary.Name)}.{Markup.Escape(canary.Namespace)}[/]  {Format.Phase(canary.Phase)}" + (canary.Paused ? "  [yellow](paused)[/]" : "")),
            new Markup(Bar(canary, maxWeight)),
            new Markup(
                $"iteration {canary.Iterations}  " +
                (canary.FailedChecks > 0 ? $"[red]failed checks {canary.FailedChecks}[/]" : "failed checks 0") +
                (canary.UpdatedAt is { } at ? $"  last tick {Format.Age(at, now)} ago" : "")),
        };
        if (!string.IsNullOrEmpty(canary.LastMessage))
        {
            rows.Add(new Markup($"[italic]{Markup.Escape(canary.LastMessage)}[/]"));
        }

        if (canary.LastChecks is { Count: > 0 } checks)
        {
            rows.Add(new Text("last tick's checks:"));
            rows.AddRange(checks.Select(c => new Padder(new Markup(Format.Check(c)), new Padding(2, 0, 0, 0))));
        }

        if (note is not null)
        {
            rows.Add(new Markup($"[yellow]{Markup.Escape(note)}[/]"));
        }

        return new Panel(new Rows(rows)) { Border = BoxBorder.Rounded, Expand = false };
    }

    /// <summary>One line per change: <c>13:08:18Z Progressing canary 10/50% primary 90% iteration 0 failed 0 | checks | message</c>.</summary>
    public static string Line(CanaryDetail canary, int maxWeight)
    {
        var line = $"{(canary.UpdatedAt is { } at ? Format.Time(at) : "-")} {Format.Phase(canary.Phase)}{(canary.Paused ? " [yellow](paused)[/]" : "")} " +
            $"canary {canary.CanaryWeight}/{maxWeight}% primary {canary.PrimaryWeight}% iteration {canary.Iterations} " +
            (canary.FailedChecks > 0 ? $"[red]failed {canary.FailedChecks}[/]" : "failed 0");
        if (canary.LastChecks is { Count: > 0 } checks)
        {
            line += " | " + string.Join("  ", checks.Select(Format.Check));
        }

        if (!string.IsNullOrEmpty(canary.LastMessage))
        {
            line += " | " + Markup.Escape(canary.LastMessage);
        }

        return line;
    }

    /// <summary>What changed enough to be shown again: the tick time alone does not (an idle tick repeats itself).</summary>
    public static string ChangeKey(CanaryDetail canary) =>
        string.Join('|', canary.Phase, canary.CanaryWeight, canary.PrimaryWeight, canary.FailedChecks, canary.Iterations, canary.Paused, canary.LastMessage,
            string.Join(',', (canary.LastChecks ?? []).Select(c => $"{c.Name}:{c.Verdict}:{c.Value}")));

    private static string Bar(CanaryDetail canary, int maxWeight)
    {
        var done = canary.Phase is "Promoting" or "Finalising" or "Succeeded";
        var fraction = done ? 1 : Math.Clamp(canary.CanaryWeight / (double)Math.Max(1, maxWeight), 0, 1);
        var filled = (int)Math.Round(fraction * BarWidth);
        var colour = canary.Phase is "Failed" or "Terminated" ? "red" : done ? "green" : "blue";
        return $"[{colour}]{new string('━', filled)}[/][grey]{new string('─', BarWidth - filled)}[/] " +
            $"canary {canary.CanaryWeight}% of max {maxWeight}%  primary {canary.PrimaryWeight}%";
    }
}
