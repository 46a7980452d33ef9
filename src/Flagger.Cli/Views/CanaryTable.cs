using System.Globalization;
using Flagger.Cli.Api;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Flagger.Cli.Views;

/// <summary>
/// <c>flaggerctl get</c>: the columns of <c>kubectl get canaries</c>, borderless. LASTTICK is the age of the
/// canary's last tick (the API's <c>updatedAt</c>); the API has no transition time per canary.
/// </summary>
internal static class CanaryTable
{
    public sealed record Row(string Namespace, string Name, string? Phase, int CanaryWeight, int FailedChecks, DateTimeOffset? UpdatedAt);

    public static Row From(CanarySummary canary) => new(canary.Namespace, canary.Name, canary.Phase, canary.CanaryWeight, canary.FailedChecks, canary.UpdatedAt);

    public static Row From(CanaryDetail canary) => new(canary.Namespace, canary.Name, canary.Phase, canary.CanaryWeight, canary.FailedChecks, canary.UpdatedAt);

    public static IRenderable Render(IReadOnlyList<Row> rows, bool withNamespace, DateTimeOffset now)
    {
        var table = new Table { Border = TableBorder.None, ShowHeaders = true };
        if (withNamespace)
        {
            table.AddColumn(Column("NAMESPACE"));
        }

        table.AddColumn(Column("NAME"));
        table.AddColumn(Column("STATUS"));
        table.AddColumn(Column("WEIGHT"));
        table.AddColumn(Column("FAILEDCHECKS"));
        table.AddColumn(Column("LASTTICK"));
        foreach (var row in rows)
        {
            var cells = new List<IRenderable>();
            if (withNamespace)
            {
                cells.Add(new Text(row.Namespace));
            }

            cells.Add(new Text(row.Name));
            cells.Add(new Markup(Format.Phase(row.Phase)));
            cells.Add(new Text(row.CanaryWeight.ToString(CultureInfo.InvariantCulture)));
            cells.Add(new Markup(row.FailedChecks > 0 ? $"[red]{row.FailedChecks}[/]" : "0"));
            cells.Add(new Text(row.UpdatedAt is { } at ? Format.Age(at, now) : "<none>"));
            table.AddRow(cells);
        }

        return table;
    }

    private static TableColumn Column(string header) => new TableColumn(new Text(header)) { NoWrap = true, Padding = new Padding(0, 0, 3, 0) };
}
