using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Flagger.Core.Model;
using Flagger.Core.Registry;
using Flagger.Host;
using Flagger.Host.Testing;
using Flagger.Sandbox;
using Flagger.Testing.Azurite;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Flagger.Cli.Tests;

/// <summary>
/// Flagger.Host in sandbox mode (simulated cluster, live traffic, a real Prometheus) on Azurite, its sample canary
/// shortened for the test: a 5 s interval, two steps of 25 up to 50, rolled back at the second failed check.
/// </summary>
public sealed class SandboxHostFixture : IAsyncLifetime
{
    public const string Key = "watch-secret";

    private AzuriteServer _azurite = null!;
    private WebApplication _host = null!;

    public SandboxCluster Sandbox => _host.Services.GetRequiredService<SandboxCluster>();

    public Uri Address { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _azurite = await AzuriteServer.StartAsync();
        _host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["StateStore:ConnectionString"] = _azurite.ConnectionString,
            ["Sandbox:Enabled"] = "true",
            ["Host:ApiKey"] = Key,
            ["Host:TaskHubName"] = "cliwatch",
            ["Host:SweepInterval"] = "00:00:02",
            // Below Flagger's 10 s floor for a canary's own interval: the host's override for tests and demos.
            ["Host:RolloutInterval"] = "00:00:05",
        });
        Address = TestHost.AddressOf(_host);

        using var client = Sandbox.CreateClient();
        var patch = new JsonObject
        {
            // 6.2.0-bad is a prerelease, which the default semver policy would not deploy.
            ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [ImagePolicy.Annotation] = @"regex:^6\." } },
            ["spec"] = new JsonObject
            {
                ["analysis"] = new JsonObject { ["stepWeight"] = 25, ["maxWeight"] = 50, ["threshold"] = 2 },
            },
        };
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), FlaggerApi.Group, FlaggerApi.Version, Sandbox.Namespace, Canary.KubePlural, "podinfo");
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        await _host.DisposeAsync();
        await _azurite.DisposeAsync();
    }

    public Func<string, string?> Environment => variable => variable switch
    {
        FlaggerCtl.UrlVariable => Address.ToString(),
        FlaggerCtl.KeyVariable => Key,
        _ => null,
    };

    public async Task PushAsync(string tag)
    {
        using var http = new HttpClient { BaseAddress = Address };
        http.DefaultRequestHeaders.Add(HostEndpoints.ApiKeyHeader, Key);
        var response = await http.PostAsync("/api/registry/events", new StringContent(RegistryPush.EventGridEvent("podinfo", tag), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public async Task UntilAsync(CanaryPhase phase, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Sandbox.View().Phase != phase)
        {
            Assert.True(DateTime.UtcNow < deadline, $"not {phase}: {Sandbox.View().Phase} {Sandbox.View().CanaryWeight}%");
            await Task.Delay(200);
        }
    }
}

/// <summary><c>flaggerctl watch</c> following real rollouts on the sandbox, one promoted and one rolled back.</summary>
public sealed class WatchSandboxTests(SandboxHostFixture fixture, ITestOutputHelper output) : IClassFixture<SandboxHostFixture>
{
    private async Task<CliRun> WatchAsync(bool terminal = false)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var run = await CliRun.RunAsync(fixture.Environment, timeout.Token, terminal, "watch", "podinfo", "-n", "test");
        output.WriteLine(run.ToString());
        Assert.False(timeout.IsCancellationRequested, "watch did not end within 3 minutes: " + run);
        return run;
    }

    [Fact]
    public async Task Watch_FollowsAGoodPushToSucceeded_ExitZero_ThenABadPushToFailed_NonZero()
    {
        await fixture.UntilAsync(CanaryPhase.Initialized, TimeSpan.FromSeconds(90));

        await fixture.PushAsync("6.1.0");
        var good = await WatchAsync();

        Assert.Equal(ExitCodes.Ok, good.ExitCode);
        var lines = good.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // The bar's end and the step come from the API (stepWeight 25 up to maxWeight 50: two steps).
        Assert.Contains(lines, l => l.Contains(" Progressing canary 25/50% primary 75% step 1/2 ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(" Progressing canary 50/50% primary 50% ", StringComparison.Ordinal)
            && System.Text.RegularExpressions.Regex.IsMatch(l, @"✔ metric request-success-rate [\d.]+ in \[99, ∞\)"));
        Assert.Contains(lines, l => l.Contains(" Promoting ", StringComparison.Ordinal));
        Assert.Equal("podinfo.test Succeeded", lines[^1]);
        Assert.Equal(lines.Length, lines.Distinct().Count());

        await fixture.PushAsync("6.2.0-bad");
        await fixture.UntilAsync(CanaryPhase.Progressing, TimeSpan.FromSeconds(60));
        var bad = await WatchAsync();

        Assert.Equal(ExitCodes.RolloutFailed, bad.ExitCode);
        lines = bad.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(lines, l => l.Contains(" failed 1 | ", StringComparison.Ordinal) && l.Contains("✘ metric request-success-rate", StringComparison.Ordinal));
        Assert.StartsWith("podinfo.test Failed", lines[^1], StringComparison.Ordinal);

        var again = await WatchAsync();
        Assert.Equal(ExitCodes.RolloutFailed, again.ExitCode);
        Assert.Contains("the rollout had already ended: podinfo.test Failed", again.Output, StringComparison.Ordinal);

        // retry runs the same bad revision again; on a terminal watch redraws one panel (ANSI cursor moves) instead of lines.
        var retry = await CliRun.RunAsync(fixture.Environment, CancellationToken.None, "retry", "podinfo", "-n", "test");
        Assert.True(retry.ExitCode == ExitCodes.Ok, retry.ToString());
        Assert.StartsWith("retry of test/podinfo accepted as operation #", retry.Output, StringComparison.Ordinal);
        await fixture.UntilAsync(CanaryPhase.Progressing, TimeSpan.FromSeconds(60));
        var live = await WatchAsync(terminal: true);

        Assert.Equal(ExitCodes.RolloutFailed, live.ExitCode);
        Assert.Contains("\u001b[", live.Output, StringComparison.Ordinal);
        Assert.Contains("╭", live.Output, StringComparison.Ordinal);
        Assert.Contains("canary 25% of max 50%", live.Output, StringComparison.Ordinal);
        Assert.Contains("podinfo.test Failed", live.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(" Progressing canary 25/50% ", live.Output, StringComparison.Ordinal);
    }
}
