using System.Text.Json;
using System.Text.RegularExpressions;

namespace Flagger.Deploy.Tests.Grafana;

/// <summary>
/// The Grafana dashboards of <c>infra/grafana/</c> have the shape Grafana imports (schema version, unique panel
/// ids on a 24-column grid, targets with ref ids), take their Prometheus from a datasource variable, and query
/// only the series <c>/api/metrics</c> exports (Flagger's eight). That each query parses and returns data is
/// checked against a real Prometheus by <c>Flagger.Host.Tests/HostMetricsTests</c>.
/// </summary>
public sealed partial class DashboardTests
{
    private static readonly string[] s_exported =
    [
        "flagger_info", "flagger_canary_total", "flagger_canary_status", "flagger_canary_weight",
        "flagger_canary_duration_seconds_bucket", "flagger_canary_duration_seconds_sum", "flagger_canary_duration_seconds_count",
        "flagger_canary_metric_analysis", "flagger_canary_successes_total", "flagger_canary_failures_total",
    ];

    private static readonly string[] s_panelTypes = ["stat", "timeseries", "gauge", "table", "bargauge", "text", "row"];

    private static IEnumerable<string> DashboardFiles() => RepositoryFiles.Under(Path.Combine(RepositoryFiles.Infra, "grafana"), ".json");

    public static TheoryData<string> Dashboards() => [.. DashboardFiles()];

    private static JsonElement Load(string path) => JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryFiles.Root, path))).RootElement;

    private static IEnumerable<JsonElement> Panels(JsonElement dashboard) => dashboard.GetProperty("panels").EnumerateArray();

    private static IEnumerable<(string Panel, string Expr)> Queries(JsonElement dashboard) =>
        Panels(dashboard).SelectMany(p => p.TryGetProperty("targets", out var targets)
            ? targets.EnumerateArray().Select(t => (p.GetProperty("title").GetString()!, t.GetProperty("expr").GetString()!))
            : []);

    [GeneratedRegex(@"\b[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*\{)|\bflagger_[a-z_]+\b")]
    private static partial Regex SelectedSeries();

    [Fact]
    public void InfraGrafana_HoldsTheDashboard()
    {
        Assert.Contains("infra/grafana/flagger-functions.json", DashboardFiles());
    }

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void Dashboard_HasGrafanasShape(string path)
    {
        var dashboard = Load(path);

        Assert.False(string.IsNullOrWhiteSpace(dashboard.GetProperty("title").GetString()));
        Assert.Matches("^[a-zA-Z0-9_-]{1,40}$", dashboard.GetProperty("uid").GetString()!);
        Assert.InRange(dashboard.GetProperty("schemaVersion").GetInt32(), 36, 100);
        Assert.False(dashboard.TryGetProperty("id", out var id) && id.ValueKind != JsonValueKind.Null, "an exported dashboard carries no database id");
        var panels = Panels(dashboard).ToList();
        Assert.NotEmpty(panels);
        Assert.Equal(panels.Count, panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
        var cells = new HashSet<(int X, int Y)>();
        foreach (var panel in panels)
        {
            var title = panel.GetProperty("title").GetString()!;
            Assert.Contains(panel.GetProperty("type").GetString(), s_panelTypes);
            var grid = panel.GetProperty("gridPos");
            var (x, y, w, h) = (grid.GetProperty("x").GetInt32(), grid.GetProperty("y").GetInt32(), grid.GetProperty("w").GetInt32(), grid.GetProperty("h").GetInt32());
            Assert.True(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= 24, $"panel \"{title}\" is off the 24-column grid: {grid}");
            for (var cx = x; cx < x + w; cx++)
            {
                for (var cy = y; cy < y + h; cy++)
                {
                    Assert.True(cells.Add((cx, cy)), $"panel \"{title}\" overlaps another at ({cx}, {cy})");
                }
            }

            var targets = panel.GetProperty("targets").EnumerateArray().ToList();
            Assert.NotEmpty(targets);
            Assert.Equal(targets.Count, targets.Select(t => t.GetProperty("refId").GetString()).Distinct().Count());
        }
    }

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void Dashboard_TakesItsPrometheusFromADatasourceVariable(string path)
    {
        var dashboard = Load(path);

        var variables = dashboard.GetProperty("templating").GetProperty("list").EnumerateArray().ToList();
        var datasource = Assert.Single(variables, v => v.GetProperty("type").GetString() == "datasource");
        Assert.Equal("prometheus", datasource.GetProperty("query").GetString());
        var reference = "${" + datasource.GetProperty("name").GetString() + "}";
        foreach (var panel in Panels(dashboard))
        {
            Assert.Equal(reference, panel.GetProperty("datasource").GetProperty("uid").GetString());
            Assert.All(panel.GetProperty("targets").EnumerateArray(), t => Assert.Equal(reference, t.GetProperty("datasource").GetProperty("uid").GetString()));
        }

        Assert.All(variables.Where(v => v.GetProperty("type").GetString() == "query"), v => Assert.Equal(reference, v.GetProperty("datasource").GetProperty("uid").GetString()));
    }

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void Dashboard_QueriesOnlySeriesWeExport(string path)
    {
        var dashboard = Load(path);
        var variableQueries = dashboard.GetProperty("templating").GetProperty("list").EnumerateArray()
            .Where(v => v.GetProperty("type").GetString() == "query")
            .Select(v => ("variable " + v.GetProperty("name").GetString(), v.GetProperty("definition").GetString()!));

        var queries = Queries(dashboard).Concat(variableQueries).ToList();

        Assert.NotEmpty(queries);
        foreach (var (where, expr) in queries)
        {
            var named = SelectedSeries().Matches(expr).Select(m => m.Value).ToList();
            Assert.True(named.Count > 0, $"{where}: no series named in {expr}");
            Assert.All(named, name => Assert.True(s_exported.Contains(name), $"{where}: {name} is not a series /api/metrics exports ({expr})"));
        }
    }

    [Theory]
    [MemberData(nameof(Dashboards))]
    public void Dashboard_ShowsEveryExportedSeries(string path)
    {
        var named = Queries(Load(path)).SelectMany(q => SelectedSeries().Matches(q.Expr).Select(m => m.Value)).ToHashSet(StringComparer.Ordinal);

        Assert.All(s_exported, series => Assert.Contains(series, named));
    }
}
