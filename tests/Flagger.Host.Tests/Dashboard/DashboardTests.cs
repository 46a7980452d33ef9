using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Flagger.Sandbox;
using Flagger.Sandbox.Traffic;
using PuppeteerSharp;
using Xunit.Abstractions;

namespace Flagger.Host.Tests.Dashboard;

/// <summary>
/// The dashboard in headless Chromium against Flagger.Host running a real rollout on the sandbox: what the page
/// shows is compared with what the API answers, and its buttons act on the rollout.
/// </summary>
public sealed class DashboardTests(DashboardHostFixture fixture, ITestOutputHelper output) : IClassFixture<DashboardHostFixture>
{
    private static readonly TimeSpan s_initialized = TimeSpan.FromSeconds(120);

    private string PageUrl(string? key) =>
        new Uri(fixture.Address, key is null ? "/api/dashboard?refresh=1" : $"/api/dashboard?code={Uri.EscapeDataString(key)}&refresh=1").ToString();

    private async Task<IPage> OpenAsync(List<string> problems)
    {
        var page = await fixture.Browser.NewPageAsync();
        page.Console += (_, e) =>
        {
            // The browser reports every refused request; the 409 the test asks for is the answer it wants.
            if (e.Message.Type is ConsoleType.Error or ConsoleType.Warning && !e.Message.Text.Contains("status of 409", StringComparison.Ordinal))
            {
                problems.Add($"console {e.Message.Type}: {e.Message.Text}");
            }
        };
        page.PageError += (_, e) => problems.Add($"page error: {e.Message}");
        return page;
    }

    private async Task UntilAsync(IPage page, string condition, TimeSpan timeout, string what)
    {
        try
        {
            await page.WaitForFunctionAsync($"() => {condition}", new WaitForFunctionOptions { Timeout = (int)timeout.TotalMilliseconds, PollingInterval = 250 });
        }
        catch (WaitTaskTimeoutException)
        {
            var state = await page.EvaluateExpressionAsync<string>("document.getElementById('status').textContent + ' | ' + (document.getElementById('summary').dataset.phase ?? '')");
            Assert.Fail($"timed out waiting for {what}; page: {state}; canary: {fixture.Sandbox.View().Phase} {fixture.Sandbox.View().CanaryWeight}%");
        }
    }

    private async Task ScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(DashboardHostFixture.ResultsDirectory(), name);
        await page.ScreenshotAsync(path, new ScreenshotOptions { FullPage = true, Type = ScreenshotType.Png });
        output.WriteLine($"screenshot: {path}");
    }

    private async Task<JsonElement> HistoryAsync() =>
        (await fixture.Http.GetFromJsonAsync<JsonElement>("/api/canaries/test/podinfo/history?pageSize=200")).GetProperty("entries");

    private sealed record TickPoint(long Sequence, int CanaryWeight, int PrimaryWeight);

    private sealed record MetricPoint(long Sequence, double Value, double? Min, double? Max);

    private static double? Number(string? text) =>
        string.IsNullOrEmpty(text) ? null : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static async Task<List<TickPoint>> ChartedTicksAsync(IPage page) =>
        [.. (await page.EvaluateExpressionAsync<string[][]>(
            "[...document.querySelectorAll('#weight-chart g.tick')].map(g => [g.dataset.sequence, g.dataset.canaryWeight, g.dataset.primaryWeight])"))
            .Select(p => new TickPoint(long.Parse(p[0], CultureInfo.InvariantCulture), int.Parse(p[1], CultureInfo.InvariantCulture), int.Parse(p[2], CultureInfo.InvariantCulture)))];

    private static async Task<Dictionary<string, List<MetricPoint>>> ChartedMetricsAsync(IPage page) =>
        (await page.EvaluateExpressionAsync<string[][]>(
            "[...document.querySelectorAll('svg.metric-chart circle.point')].map(c => [c.closest('svg').dataset.metric, c.dataset.sequence, c.dataset.value, c.dataset.min, c.dataset.max])"))
            .GroupBy(p => p[0])
            .ToDictionary(g => g.Key, g => g.Select(p => new MetricPoint(long.Parse(p[1], CultureInfo.InvariantCulture), Number(p[2])!.Value, Number(p[3]), Number(p[4]))).ToList());

    private static double? RangeBound(JsonElement check, string bound) =>
        check.TryGetProperty("range", out var range) && range.ValueKind == JsonValueKind.Object && range.TryGetProperty(bound, out var value) && value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : null;

    private async Task PushAsync(string tag)
    {
        var response = await fixture.Http.PostAsync("/api/registry/events", new StringContent(RegistryPush.EventGridEvent("podinfo", tag), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Dashboard_DuringARollout_ShowsThePhase_ChartsWhatTheHistoryApiSays_AndAbortIsApplied()
    {
        var problems = new List<string>();
        var page = await OpenAsync(problems);

        var loaded = await page.GoToAsync(PageUrl(DashboardHostFixture.ApiKey));

        Assert.Equal(HttpStatusCode.OK, loaded.Status);
        Assert.StartsWith("default-src 'none'; script-src 'sha256-", loaded.Headers["content-security-policy"], StringComparison.Ordinal);
        await UntilAsync(page, "document.querySelector('#canaries tr[data-name=\"podinfo\"][data-phase=\"Initialized\"]') !== null", s_initialized, "podinfo Initialized in the list");

        // An operation the phase does not allow: the API's 409 and its reason are shown.
        await page.ClickAsync("button[data-op=\"promote\"]");
        await UntilAsync(page, "document.getElementById('operation-result').dataset.status === '409'", TimeSpan.FromSeconds(10), "the 409 of promote");
        Assert.Equal(
            "promote: 409 Conflict: promote needs a canary in Progressing or WaitingPromotion, not Initialized",
            await page.EvaluateExpressionAsync<string>("document.getElementById('operation-result').textContent"));

        await PushAsync("6.1.0");
        await UntilAsync(page,
            "document.getElementById('summary').dataset.phase === 'Progressing'"
            + " && [...document.querySelectorAll('#weight-chart g.tick')].some(g => Number(g.dataset.canaryWeight) >= 30)"
            + " && document.querySelectorAll('svg.metric-chart[data-metric=\"request-success-rate\"] circle.point').length >= 5"
            + " && document.querySelectorAll('svg.metric-chart[data-metric=\"request-duration\"] circle.point').length >= 5",
            TimeSpan.FromSeconds(120), "Progressing at 30% or more with five values of each metric charted");

        // What the chart shows is what the history API says, tick for tick, for the ticks the page had when read.
        var ticks = await ChartedTicksAsync(page);
        var metrics = await ChartedMetricsAsync(page);
        var entries = (await HistoryAsync()).EnumerateArray()
            .Where(e => e.GetProperty("sequence").GetInt64() >= ticks[0].Sequence && e.GetProperty("sequence").GetInt64() <= ticks[^1].Sequence)
            .Reverse().ToList();
        Assert.Equal(
            entries.Select(e => new TickPoint(e.GetProperty("sequence").GetInt64(), e.GetProperty("canaryWeight").GetInt32(), e.GetProperty("primaryWeight").GetInt32())),
            ticks);
        Assert.Contains(ticks, t => t.CanaryWeight >= 30 && t.PrimaryWeight == 100 - t.CanaryWeight);
        foreach (var metric in new[] { "request-success-rate", "request-duration" })
        {
            var expected = entries
                .SelectMany(e => e.GetProperty("checks").EnumerateArray()
                    .Where(c => c.GetProperty("kind").GetString() == "Metric" && c.GetProperty("name").GetString() == metric
                        && c.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.Number)
                    .Select(c => new MetricPoint(e.GetProperty("sequence").GetInt64(), c.GetProperty("value").GetDouble(), RangeBound(c, "min"), RangeBound(c, "max"))))
                .ToList();
            Assert.Equal(expected, metrics[metric]);
        }

        Assert.All(metrics["request-success-rate"], p => Assert.Equal((99.0, (double?)null), (p.Min!.Value, p.Max)));
        Assert.All(metrics["request-duration"], p => Assert.Equal(((double?)null, 500.0), (p.Min, p.Max!.Value)));
        Assert.Equal("podinfo.test", await page.EvaluateExpressionAsync<string>("document.getElementById('detail-title').textContent"));
        await ScreenshotAsync(page, "dashboard-progressing.png");

        await page.ClickAsync("button[data-op=\"abort\"]");
        await UntilAsync(page, "document.getElementById('operation-result').dataset.status === '202'", TimeSpan.FromSeconds(10), "the 202 of abort");
        await UntilAsync(page,
            "document.getElementById('summary').dataset.phase === 'Failed'"
            + " && document.querySelector('#weight-chart g.operation') !== null"
            + " && [...document.querySelectorAll('#history td.ops')].some(td => td.textContent.startsWith('Abort'))"
            + " && [...document.querySelectorAll('#events td')].some(td => td.textContent.startsWith('Rolling back podinfo.test aborted by'))",
            TimeSpan.FromSeconds(60), "Failed, with the abort in the chart, the history and the events");

        var aborted = (await HistoryAsync()).EnumerateArray().Single(e => e.GetProperty("operations").EnumerateArray().Any(o => o.GetProperty("kind").GetString() == "Abort"));
        var operationTick = await page.EvaluateExpressionAsync<string>("document.querySelector('#weight-chart g.operation').dataset.sequence");
        Assert.Equal(aborted.GetProperty("sequence").GetInt64().ToString(CultureInfo.InvariantCulture), operationTick);
        Assert.Equal("Failed", (await fixture.Http.GetFromJsonAsync<JsonElement>("/api/canaries/test/podinfo")).GetProperty("phase").GetString());
        Assert.Equal(new RouteWeights(100, 0, false), fixture.Sandbox.RouteWeights());

        // The events table is the events API's answer; a tick may record its events between the page's refresh and
        // this read, so the two are compared again after the page's next refresh when they differ.
        List<string> events = [];
        string[] shownEvents = [];
        for (var attempt = 0; attempt < 10 && (events.Count == 0 || !events.SequenceEqual(shownEvents)); attempt++)
        {
            await Task.Delay(attempt == 0 ? 0 : 1000);
            shownEvents = await page.EvaluateExpressionAsync<string[]>("[...document.querySelectorAll('#events tbody tr')].map(tr => tr.children[2].textContent)");
            events = [.. (await fixture.Http.GetFromJsonAsync<JsonElement>("/api/canaries/test/podinfo/events")).EnumerateArray().Select(e => e.GetProperty("message").GetString()!)];
        }

        Assert.Contains(events, m => m.StartsWith("Rolling back podinfo.test aborted by", StringComparison.Ordinal));
        Assert.Equal(events, shownEvents);
        await ScreenshotAsync(page, "dashboard-aborted.png");

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        await page.CloseAsync();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-the-key")]
    public async Task Dashboard_WithAWrongOrMissingKey_Is401AndShowsNoData(string? key)
    {
        var page = await OpenAsync([]);

        var loaded = await page.GoToAsync(PageUrl(key));

        Assert.Equal(HttpStatusCode.Unauthorized, loaded.Status);
        var text = await page.EvaluateExpressionAsync<string>("document.documentElement.outerHTML");
        Assert.DoesNotContain("podinfo", text, StringComparison.Ordinal);
        Assert.DoesNotContain("canaries", text, StringComparison.Ordinal);
        using var noKey = new HttpClient { BaseAddress = fixture.Address };
        if (key is not null)
        {
            noKey.DefaultRequestHeaders.Add(HostEndpoints.ApiKeyHeader, key);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await noKey.GetAsync("/api/canaries/test/podinfo/events")).StatusCode);
        await page.CloseAsync();
    }
}
