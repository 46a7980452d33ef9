using Flagger.Testing.Http;

namespace Flagger.Cli.Tests;

/// <summary>
/// What flaggerctl says when the API cannot answer: no address, nothing listening, an outage (503 with
/// Retry-After, as both hosts answer while Table Storage is down), something that is not the API. The 503s come
/// from a local HTTP server scripted with the API's outage answer, since a real host's outage is not a one-liner.
/// </summary>
public sealed class ConnectionErrorTests : IAsyncLifetime
{
    private const string Outage = """{"error":"the state store (Table Storage) is unavailable; nothing was changed, retry in 10 s"}""";

    private HttpReceiver _server = null!;

    public async Task InitializeAsync() => _server = await HttpReceiver.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static ReceiverAnswer Json(int status, string body, int? retryAfter = null)
    {
        var headers = new Dictionary<string, string> { ["Content-Type"] = "application/json; charset=utf-8" };
        if (retryAfter is { } seconds)
        {
            headers["Retry-After"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return new ReceiverAnswer(status, body, Headers: headers);
    }

    private static string Detail(string phase, int weight) =>
        $$"""{"namespace":"test","name":"podinfo","phase":"{{phase}}","canaryWeight":{{weight}},"primaryWeight":{{100 - weight}},"failedChecks":0,"iterations":0,"paused":false,"conditions":[],"lastChecks":[],"lastMessage":null,"updatedAt":"2026-12-03T13:08:18+00:00"}""";

    [Fact]
    public async Task NoUrl_SaysHowToGiveOne()
    {
        var run = await CliRun.RunAsync("get");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("no API address: give --url or set FLAGGER_URL", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--poll", "0", "--poll must be a positive number of seconds")]
    [InlineData("--max-weight", "0", "--max-weight must be between 1 and 100")]
    [InlineData("--max-weight", "101", "--max-weight must be between 1 and 100")]
    public async Task Watch_OutOfRangeOption_IsAUsageError_BeforeAnyRequest(string option, string value, string message)
    {
        var run = await CliRun.RunAsync(_ => _server.BaseAddress.ToString(), CancellationToken.None, "watch", "podinfo", option, value);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task NothingListening_IsUnreachable_NamingTheAddress()
    {
        var url = $"http://127.0.0.1:{HttpReceiver.UnusedPort()}";

        var run = await CliRun.RunAsync("get", "--url", url);

        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);
        Assert.Contains($"cannot reach {url}/: ConnectionRefused", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outage_Is503_WithTheApisMessageAndRetryAfter()
    {
        _server.Answer("/api/canaries", Json(503, Outage, retryAfter: 10));

        var run = await CliRun.RunAsync("get", "--url", _server.BaseAddress.ToString(), "--key", "k");

        Assert.Equal(ExitCodes.ApiError, run.ExitCode);
        Assert.Contains("503 Service Unavailable: the state store (Table Storage) is unavailable; nothing was changed, retry in 10 s (Retry-After: 10 s)", run.Error, StringComparison.Ordinal);
        Assert.Equal("k", _server.RequestsTo("/api/canaries").Single().Headers["x-functions-key"]);
    }

    [Fact]
    public async Task NotTheApi_404WithoutJson_SaysWhichUrl_AndJunkJsonSaysItIsNotTheApi()
    {
        _server.Answer("/api/canaries/test/podinfo", new ReceiverAnswer(404, "<html>nope</html>"));
        _server.Answer("/api/canaries", new ReceiverAnswer(200, "<html>a login page</html>"));

        var missing = await CliRun.RunAsync("get", "podinfo", "-n", "test", "--url", _server.BaseAddress.ToString());
        var junk = await CliRun.RunAsync("get", "--url", _server.BaseAddress.ToString());

        Assert.Equal(ExitCodes.ApiError, missing.ExitCode);
        Assert.Contains($"404 Not Found: {_server.BaseAddress}api/canaries/test/podinfo (is --url the Function App or Flagger.Host, without /api?)", missing.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.ApiError, junk.ExitCode);
        Assert.Contains("answered something that is not the Flagger API's JSON", junk.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_WaitsOutA503_ThenFollowsToTheEnd()
    {
        _server.Answer("/api/canaries/test/podinfo",
            Json(200, Detail("Progressing", 10)), Json(503, Outage, retryAfter: 1), Json(200, Detail("Progressing", 20)), Json(200, Detail("Succeeded", 0)));

        var run = await CliRun.RunAsync(_ => _server.BaseAddress.ToString(), CancellationToken.None, "watch", "podinfo", "-n", "test", "--poll", "0.1");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains(" Progressing canary 10/100% ", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("503 Service Unavailable: the state store (Table Storage) is unavailable", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("(retrying in 1 s)", lines[1], StringComparison.Ordinal);
        Assert.Contains(" Progressing canary 20/100% ", lines[2], StringComparison.Ordinal);
        Assert.Contains(" Succeeded canary 0/100% ", lines[3], StringComparison.Ordinal);
        Assert.Equal("podinfo.test Succeeded", lines[4]);
    }

    [Fact]
    public async Task Watch_CtrlC_StopsWithTheInterruptedCode()
    {
        _server.Answer("/api/canaries/test/podinfo", Json(200, Detail("Progressing", 10)));
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1));

        var run = await CliRun.RunAsync(_ => _server.BaseAddress.ToString(), cancel.Token, "watch", "podinfo", "-n", "test", "--poll", "0.1");

        Assert.Equal(ExitCodes.Interrupted, run.ExitCode);
        Assert.Contains("interrupted", run.Error, StringComparison.Ordinal);
    }
}
