using Flagger.Cli.Api;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Flagger.Cli.Views;

/// <summary><c>flaggerctl watch</c>: the live panel, and the one-line form for consoles that cannot redraw.</summary>
internal static class WatchView
{
    private const int BarWidth = 30;

    /// <summary>
    /// The panel: phase, a bar of the canary weight toward the max weight (the canary's, unless
    /// <paramref name="maxWeight"/> overrides it; full once promoting: the canary has then taken all it will),
    /// the step (or iteration) of the analysis, failed checks, the last tick's message and checks.
    /// </summary>
    public static IRenderable Render(CanaryDetail canary, int? maxWeight, DateTimeOffset now, string? note = null)
    {
        var rows = new List<IRenderable>
        {
            new Markup($"[bold]{Markup.Escape(canary.Name)}.{Markup.Escape(canary.Namespace)}[/]  {Format.Phase(canary.Phase)}" + (canary.Paused ? "  [yellow](paused)[/]" : "")),
            new Markup(Bar(canary, MaxWeight(canary, maxWeight))),
            new Markup(
                $"{Progress(canary)}  " +
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

    /// <summary>One line per change: <c>13:08:18Z Progressing canary 10/50% primary 90% step 1/5 failed 0 | checks | message</c>.</summary>
    public static string Line(CanaryDetail canary, int? maxWeight)
    {
        var line = $"{(canary.UpdatedAt is { } at ? Format.Time(at) : "-")} {Format.Phase(canary.Phase)}{(canary.Paused ? " [yellow](paused)[/]" : "")} " +
            $"canary {canary.CanaryWeight}/{MaxWeight(canary, maxWeight)}% primary {canary.PrimaryWeight}% {Progress(canary, compact: true)} " +
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

    /// <summary>The bar's end: the override, else the canary's max weight as the API reports it, else 100.</summary>
    public static int MaxWeight(CanaryDetail canary, int? maxWeight) => maxWeight ?? canary.Analysis?.MaxWeight ?? 100;

    /// <summary>
    /// Where the analysis is: <c>step 2 of 5</c> on the canary's weight ladder (steps taken: the ladder weights
    /// the canary weight has reached), <c>iteration 3 of 10</c> for blue-green and A/B testing, or the bare
    /// iteration count when the API does not say which.
    /// </summary>
    public static string Progress(CanaryDetail canary, bool compact = false)
    {
        var of = compact ? "/" : " of ";
        return canary.Analysis switch
        {
            { Weights: { Count: > 0 } ladder } => $"step {(Promoted(canary) ? ladder.Count : ladder.Count(w => w <= canary.CanaryWeight))}{of}{ladder.Count}",
            { Iterations: > 0 } analysis => $"iteration {canary.Iterations}{of}{analysis.Iterations}",
            _ => $"iteration {canary.Iterations}",
        };
    }

    /// <summary>Promoting or past it: the canary has taken all the traffic it will.</summary>
    private static bool Promoted(CanaryDetail canary) => canary.Phase is "Promoting" or "Finalising" or "Succeeded";

    private static string Bar(CanaryDetail canary, int maxWeight)
    {
        var done = Promoted(canary);
        var fraction = done ? 1 : Math.Clamp(canary.CanaryWeight / (double)Math.Max(1, maxWeight), 0, 1);
        var filled = (int)Math.Round(fraction * BarWidth);
        var colour = canary.Phase is "Failed" or "Terminated" ? "red" : done ? "green" : "blue";
        return $"[{colour}]{new string('━', filled)}[/][grey]{new string('─', BarWidth - filled)}[/] " +
            $"canary {canary.CanaryWeight}% of max {maxWeight}%  primary {canary.PrimaryWeight}%";
    }
}
