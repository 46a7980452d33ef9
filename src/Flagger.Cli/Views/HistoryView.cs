using Flagger.Cli.Api;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Flagger.Cli.Views;

/// <summary>
/// <c>flaggerctl history</c>: a block per tick, as the API pages them (newest first): its number, time, phase,
/// weights, failed checks and message, then each check (metric values against their range, webhook answers)
/// and the operations the tick applied.
/// </summary>
internal static class HistoryView
{
    public static IRenderable Render(HistoryEntry entry)
    {
        var lines = new List<IRenderable>
        {
            new Markup(
                $"[bold]#{entry.Sequence}[/] {Format.Time(entry.At)}  {Format.Phase(entry.Phase)}  " +
                $"primary {entry.PrimaryWeight}% canary {entry.CanaryWeight}%  " +
                (entry.FailedChecks > 0 ? $"[red]failed checks {entry.FailedChecks}[/]" : "failed checks 0") +
                (string.IsNullOrEmpty(entry.Message) ? "" : $"  [italic]{Markup.Escape(entry.Message)}[/]")),
        };
        foreach (var check in entry.Checks ?? [])
        {
            lines.Add(new Padder(new Markup(Format.Check(check)), new Padding(4, 0, 0, 0)));
        }

        foreach (var operation in entry.Operations ?? [])
        {
            lines.Add(new Padder(new Markup($"[yellow]⚑ {Markup.Escape(Operation(operation))}[/]"), new Padding(4, 0, 0, 0)));
        }

        return new Rows(lines);
    }

    public static string Operation(CanaryOperation operation) =>
        $"operation {operation.Kind.ToLowerInvariant()}{(operation.Detail is null ? "" : " " + operation.Detail)}" +
        $" by {operation.By ?? "unknown"} at {Format.Time(operation.At)}";
}
