using Flagger.Cli.Api;
using Flagger.Cli.Views;
using Spectre.Console;
using Spectre.Console.Rendering;
using Spectre.Console.Testing;

namespace Flagger.Cli.Tests;

/// <summary>What the views look like, rendered on Spectre.Console's test console.</summary>
public sealed class RenderingTests
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 3, 13, 10, 0, TimeSpan.Zero);

    private static readonly CheckResult s_passed = new("Metric", "request-success-rate", "Passed", "", 100, new ThresholdRange(99, null), null);
    private static readonly CheckResult s_failed = new("Metric", "request-duration", "Failed", "Halt advancement request duration 812ms > 500ms", 812.4, new ThresholdRange(null, 500), null);
    private static readonly CheckResult s_webhook = new("Webhook", "load-test", "Passed", "200 OK", null, null, null);

    private static string Render(IRenderable renderable, bool ansi = false)
    {
        var console = new TestConsole().Width(200);
        if (ansi)
        {
            console.EmitAnsiSequences().Colors(ColorSystem.Standard);
        }

        console.Write(renderable);
        return console.Output;
    }

    [Theory]
    [InlineData(45, "45s")]
    [InlineData(119, "119s")]
    [InlineData(192, "3m12s")]
    [InlineData(1500, "25m")]
    [InlineData(7500 + 3600, "3h5m")]
    [InlineData(30 * 3600, "30h")]
    [InlineData(3 * 86400 + 4 * 3600, "3d4h")]
    [InlineData(20 * 86400, "20d")]
    [InlineData(-5, "0s")]
    public void Age_IsKubectls(int secondsAgo, string expected) =>
        Assert.Equal(expected, Format.Age(s_now.AddSeconds(-secondsAgo), s_now));

    [Fact]
    public void Range_IsWrittenAsAnInterval()
    {
        Assert.Equal("[99, ∞)", Format.Range(new ThresholdRange(99, null)));
        Assert.Equal("(-∞, 500]", Format.Range(new ThresholdRange(null, 500)));
        Assert.Equal("[1, 1]", Format.Range(new ThresholdRange(1, 1)));
        Assert.Equal("", Format.Range(null));
    }

    [Fact]
    public void CanaryTable_HasKubectlsColumns_AndTheNamespaceOnlyForAllNamespaces()
    {
        var rows = new[]
        {
            new CanaryTable.Row("test", "podinfo", "Progressing", 30, 1, s_now.AddSeconds(-12)),
            new CanaryTable.Row("test", "new", null, 0, 0, null),
        };

        var lines = Render(CanaryTable.Render(rows, withNamespace: false, s_now)).Split('\n').Select(l => l.TrimEnd()).ToArray();
        var all = Render(CanaryTable.Render(rows, withNamespace: true, s_now));

        Assert.Equal("NAME      STATUS        WEIGHT   FAILEDCHECKS   LASTTICK", lines[0]);
        Assert.Equal("podinfo   Progressing   30       1              12s", lines[1]);
        Assert.Equal("new       -             0        0              <none>", lines[2]);
        Assert.StartsWith("NAMESPACE   NAME      STATUS", all, StringComparison.Ordinal);
    }

    [Fact]
    public void HistoryEntry_ShowsEachCheckAgainstItsRange_FailedInRed_PassedInGreen_AndTheOperations()
    {
        var entry = new HistoryEntry("test", "podinfo", 7, s_now, "Progressing", 70, 30, 1, "Halt advancement request duration 812ms > 500ms",
            [s_webhook, s_passed, s_failed], [new CanaryOperation("Pause", "alice", s_now.AddSeconds(-3), null)]);

        var text = Render(HistoryView.Render(entry)).Split('\n').Select(l => l.TrimEnd()).ToArray();
        var ansi = Render(HistoryView.Render(entry), ansi: true);

        Assert.Equal("#7 2026-12-03 13:10:00Z  Progressing  primary 70% canary 30%  failed checks 1  Halt advancement request duration 812ms > 500ms", text[0]);
        Assert.Equal("    ✔ webhook load-test: 200 OK", text[1]);
        Assert.Equal("    ✔ metric request-success-rate 100 in [99, ∞)", text[2]);
        Assert.Equal("    ✘ metric request-duration 812.4 not in (-∞, 500]", text[3]);
        Assert.Equal("    ⚑ operation pause by alice at 2026-12-03 13:09:57Z", text[4]);
        // Standard colours: 32 green, 31 red (Spectre writes the bright ones, 92 and 91, for "green" and "red").
        Assert.Matches(@"\u001b\[(92|32)m✔ metric request-success-rate", ansi);
        Assert.Matches(@"\u001b\[(91|31)m✘ metric request-duration", ansi);
    }

    [Theory]
    [InlineData("Progressing", 25, 50, 15)]
    [InlineData("Progressing", 10, 100, 3)]
    [InlineData("Progressing", 0, 50, 0)]
    [InlineData("Promoting", 50, 50, 30)]
    [InlineData("Finalising", 0, 50, 30)]
    [InlineData("Failed", 0, 50, 0)]
    public void WatchPanel_BarFillsWithTheCanaryWeightTowardMaxWeight_AndIsFullOncePromoting(string phase, int weight, int maxWeight, int filled)
    {
        var canary = Detail(phase, weight);

        var text = Render(WatchView.Render(canary, maxWeight, s_now));

        var bar = text.Split('\n').Single(l => l.Contains(" of max ", StringComparison.Ordinal)).Trim('│', ' ');
        Assert.Contains($"canary {weight}% of max {maxWeight}%  primary {100 - weight}%", bar, StringComparison.Ordinal);
        Assert.Equal(filled, bar.Count(c => c == '━'));
        Assert.Equal(30 - filled, bar.Count(c => c == '─'));
    }

    [Fact]
    public void WatchPanel_ShowsPhaseIterationFailedChecksMessageAndTheLastTicksChecks()
    {
        var canary = Detail("Progressing", 30) with { FailedChecks = 1, Iterations = 2, Paused = true, LastChecks = [s_passed, s_failed], LastMessage = "Halt advancement" };

        var text = Render(WatchView.Render(canary, 50, s_now, note: "503 Service Unavailable: retrying"));

        Assert.Contains("podinfo.test  Progressing  (paused)", text, StringComparison.Ordinal);
        Assert.Contains("iteration 2  failed checks 1  last tick 5s ago", text, StringComparison.Ordinal);
        Assert.Contains("Halt advancement", text, StringComparison.Ordinal);
        Assert.Contains("✔ metric request-success-rate 100 in [99, ∞)", text, StringComparison.Ordinal);
        Assert.Contains("✘ metric request-duration 812.4 not in (-∞, 500]", text, StringComparison.Ordinal);
        Assert.Contains("503 Service Unavailable: retrying", text, StringComparison.Ordinal);
    }

    [Fact]
    public void WatchLine_IsOneLine_AndItsChangeKeyIgnoresTheTickTimeAlone()
    {
        var canary = Detail("Progressing", 30) with { LastChecks = [s_passed], LastMessage = "Advance podinfo.test canary weight 30" };

        var line = Render(new Markup(WatchView.Line(canary, 50))).TrimEnd('\n');

        Assert.Equal("2026-12-03 13:09:55Z Progressing canary 30/50% primary 70% iteration 0 failed 0 | ✔ metric request-success-rate 100 in [99, ∞) | Advance podinfo.test canary weight 30", line);
        Assert.Equal(WatchView.ChangeKey(canary), WatchView.ChangeKey(canary with { UpdatedAt = s_now }));
        Assert.NotEqual(WatchView.ChangeKey(canary), WatchView.ChangeKey(canary with { FailedChecks = 1 }));
    }

    [Theory]
    [InlineData("Progressing", 0, "step 0/5")]
    [InlineData("Progressing", 30, "step 3/5")]
    [InlineData("Promoting", 50, "step 5/5")]
    [InlineData("Finalising", 0, "step 5/5")]
    public void WatchLine_ShowsTheStepOnTheCanarysLadder_AndItsMaxWeightUnlessOverridden(string phase, int weight, string step)
    {
        var canary = Detail(phase, weight) with { Analysis = new AnalysisSummary("canary", [10, 20, 30, 40, 50], 50, 0, 5, "1m0s") };

        var line = Render(new Markup(WatchView.Line(canary, maxWeight: null))).TrimEnd('\n');
        var overridden = Render(new Markup(WatchView.Line(canary, maxWeight: 80))).TrimEnd('\n');

        Assert.Contains($" canary {weight}/50% primary {100 - weight}% {step} failed 0", line, StringComparison.Ordinal);
        Assert.Contains($" canary {weight}/80% ", overridden, StringComparison.Ordinal);
    }

    [Fact]
    public void WatchPanel_ShowsTheIterationOfABlueGreenAnalysis()
    {
        var canary = Detail("Progressing", 0) with { Iterations = 3, Analysis = new AnalysisSummary("blue-green", [], 100, 10, 2, "1m0s") };

        var text = Render(WatchView.Render(canary, maxWeight: null, s_now));

        Assert.Contains("iteration 3 of 10  failed checks 0", text, StringComparison.Ordinal);
    }

    private static CanaryDetail Detail(string phase, int weight) =>
        new("test", "podinfo", phase, weight, 100 - weight, 0, 0, false, null, null, [], [], null, s_now.AddSeconds(-5));
}
