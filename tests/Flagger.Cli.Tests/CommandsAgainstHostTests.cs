using Flagger.Core.Model;

namespace Flagger.Cli.Tests;

/// <summary>flaggerctl against a real Flagger.Host over HTTP: listing, operations, history, and the API's errors.</summary>
public sealed class CommandsAgainstHostTests(HostFixture host) : IClassFixture<HostFixture>
{
    [Fact]
    public async Task Get_ListsTheCanariesOfTheNamespace_FromARealHost()
    {
        var run = await host.RunAsync("get", "-n", "test");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Matches(@"^NAME\s+STATUS\s+WEIGHT\s+FAILEDCHECKS\s+LASTTICK$", lines[0]);
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^idle\s+Initialized\s+0\s+0\s+\d+(s|m\d+s)$"));
        Assert.Contains(lines, l => l.StartsWith("podinfo ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Get_OtherNamespace_SaysNoneFound_AndAllNamespacesAddsTheColumn()
    {
        var none = await host.RunAsync("get");
        var all = await host.RunAsync("get", "-A");

        Assert.Equal(ExitCodes.Ok, none.ExitCode);
        Assert.Equal("", none.Output);
        Assert.Contains("No canaries found in default namespace.", none.Error, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^NAMESPACE\s+NAME\s+STATUS", all.Output);
        Assert.Matches(@"(?m)^test\s+idle\s+Initialized", all.Output);
    }

    [Fact]
    public async Task GetOne_AsJson_IsTheApisCanary()
    {
        var run = await host.RunAsync("get", "idle", "-n", "test", "-o", "json");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        using var json = System.Text.Json.JsonDocument.Parse(run.Output);
        Assert.Equal("idle", json.RootElement.GetProperty("name").GetString());
        Assert.Equal("Initialized", json.RootElement.GetProperty("phase").GetString());
    }

    [Fact]
    public async Task WrongKey_Is401_SaysTheKeyWasRefused()
    {
        var run = await CliRun.RunAsync(_ => null, CancellationToken.None, "get", "-n", "test", "--url", host.Address.ToString(), "--key", "wrong");

        Assert.Equal(ExitCodes.ApiError, run.ExitCode);
        Assert.Contains("401 Unauthorized", run.Error, StringComparison.Ordinal);
        Assert.Contains("refused the key", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownCanary_Is404_WithTheApisMessage()
    {
        var run = await host.RunAsync("abort", "nosuch", "-n", "test");

        Assert.Equal(ExitCodes.ApiError, run.ExitCode);
        Assert.Contains("404 Not Found: canary test/nosuch not found", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PromoteAnInitializedCanary_Is409_WithTheReason()
    {
        var run = await host.RunAsync("promote", "idle", "-n", "test");

        Assert.Equal(ExitCodes.ApiError, run.ExitCode);
        Assert.Contains("409 Conflict: promote needs a canary in", run.Error, StringComparison.Ordinal);
        Assert.Contains("not Initialized", run.Error, StringComparison.Ordinal);
        Assert.Equal(CanaryPhase.Initialized, host.Phase("idle"));
    }

    [Fact]
    public async Task Abort_MakesAProgressingRolloutFail_AndHistoryShowsTheOperation()
    {
        host.NewImage("podinfo", "contosoacr.azurecr.io/podinfo:6.0.1");
        await HostFixture.UntilAsync(() => host.Phase("podinfo") == CanaryPhase.Progressing, TimeSpan.FromSeconds(60));

        var abort = await host.RunAsync("abort", "podinfo", "-n", "test");

        Assert.True(abort.ExitCode == ExitCodes.Ok, abort.ToString());
        Assert.Matches(@"^abort of test/podinfo accepted as operation #\d+ \(by cli-tests at ", abort.Output);
        await HostFixture.UntilAsync(() => host.Phase("podinfo") == CanaryPhase.Failed, TimeSpan.FromSeconds(60));

        var history = await host.RunAsync("history", "podinfo", "-n", "test", "--page-size", "100");
        Assert.True(history.ExitCode == ExitCodes.Ok, history.ToString());
        Assert.Matches(@"(?m)^#\d+ \S+ \S+  Failed  primary 100% canary 0%", history.Output);
        Assert.Matches(@"(?m)^\s+⚑ operation abort by cli-tests at ", history.Output);

        var again = await host.RunAsync("abort", "podinfo", "-n", "test");
        Assert.Equal(ExitCodes.ApiError, again.ExitCode);
        Assert.Contains("409 Conflict: abort needs a canary in", again.Error, StringComparison.Ordinal);

        // Paging: one tick a page, the next page's command printed; --all walks every page.
        var first = await host.RunAsync("history", "podinfo", "-n", "test", "--page-size", "1");
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(first.Output, @"(?m)^#\d+ "));
        Assert.Contains("older ticks: flaggerctl history podinfo -n test --continue '", first.Error, StringComparison.Ordinal);
        var all = await host.RunAsync("history", "podinfo", "-n", "test", "--page-size", "1", "--all");
        var earlier = System.Text.RegularExpressions.Regex.Matches(history.Output, @"(?m)^#\d+ ").Select(m => m.Value).ToList();
        var walked = System.Text.RegularExpressions.Regex.Matches(all.Output, @"(?m)^#\d+ ").Select(m => m.Value).ToList();
        // The host keeps ticking: the walk may start with ticks newer than the earlier read, then has every one of them in order.
        Assert.True(walked.Count >= earlier.Count, all.ToString());
        Assert.Equal(earlier, walked.Skip(walked.Count - earlier.Count));
        Assert.DoesNotContain("older ticks", all.Error, StringComparison.Ordinal);
    }
}
