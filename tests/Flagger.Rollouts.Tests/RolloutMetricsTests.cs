using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Rollouts.Api;
using Flagger.Testing.Canaries;
using Flagger.Testing.Registry;

namespace Flagger.Rollouts.Tests;

/// <summary>
/// <c>/api/metrics</c>'s text against Flagger's recorder (<c>pkg/metrics/recorder.go</c>): the eight families
/// with its names, types, help texts and label names, computed from the stored checkpoints.
/// </summary>
public sealed partial class RolloutMetricsTests
{
    private sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    private sealed record Exposition(IReadOnlyDictionary<string, string> Help, IReadOnlyDictionary<string, string> Types, IReadOnlyList<Sample> Samples)
    {
        public IEnumerable<Sample> Of(string name) => Samples.Where(s => s.Name == name);

        public double Value(string name, params (string Label, string Value)[] labels) =>
            Assert.Single(Of(name), s => labels.All(l => s.Labels.GetValueOrDefault(l.Label) == l.Value)).Value;
    }

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""(?<label>[a-zA-Z_][a-zA-Z0-9_]*)="(?<value>(?:[^"\\]|\\.)*)",?""")]
    private static partial Regex LabelPair();

    private static Exposition Parse(string text)
    {
        var help = new Dictionary<string, string>();
        var types = new Dictionary<string, string>();
        var samples = new List<Sample>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var parts = line[7..].Split(' ', 2);
                help[parts[0]] = parts[1];
            }
            else if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line[7..].Split(' ', 2);
                types[parts[0]] = parts[1];
            }
            else
            {
                var match = SampleLine().Match(line);
                Assert.True(match.Success, $"not a sample line: {line}");
                var labels = LabelPair().Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups["label"].Value, m => m.Groups["value"].Value);
                var value = match.Groups["value"].Value switch
                {
                    "+Inf" => double.PositiveInfinity,
                    var v => double.Parse(v, CultureInfo.InvariantCulture),
                };
                samples.Add(new Sample(match.Groups["name"].Value, labels, value));
            }
        }

        return new Exposition(help, types, samples);
    }

    /// <summary>A canary named <c>web</c> whose target is the Deployment <c>web-app</c>: Flagger labels its series with the target's name.</summary>
    private static InMemoryWorld Web() =>
        new(Podinfo.Canary().WithName("web").WithTargetRef("Deployment", "web-app").WithIterations(3).Build());

    private static CanaryCheckpoint Checkpoint(CanaryPhase phase, CanaryStats? stats = null) =>
        new("test", "web", 7, new CanaryStatus { Phase = phase }, 70, 30, DateTimeOffset.UnixEpoch) { Stats = stats ?? CanaryStats.Empty };

    private static async Task<Exposition> ScrapeAsync(InMemoryWorld world, params CanaryCheckpoint[] checkpoints)
    {
        var store = new InMemoryRolloutStore();
        foreach (var checkpoint in checkpoints)
        {
            await store.SaveCheckpointAsync(checkpoint, CancellationToken.None);
        }

        using var output = new MemoryStream();
        await new RolloutMetrics(store, world).WriteAsync(output, CancellationToken.None);
        return Parse(Encoding.UTF8.GetString(output.ToArray()));
    }

    private static CanaryStats FullStats()
    {
        var durations = TickDurations.Empty;
        foreach (var seconds in new[] { 0.003, 0.3, 0.3, 12 })
        {
            durations = durations.Observe(seconds);
        }

        return CanaryStats.Empty with
        {
            Successes = [new OutcomeCount("blue-green", AnalysisStatus.Completed, 3), new OutcomeCount("blue-green", AnalysisStatus.Skipped, 1)],
            Failures = [new OutcomeCount("blue-green", AnalysisStatus.Completed, 2)],
            Durations = durations,
            MetricValues = new Dictionary<string, double> { [CanaryMetric.RequestSuccessRate] = 99.5, [CanaryMetric.RequestDuration] = 0.25 },
        };
    }

    [Fact]
    public async Task WriteAsync_ExportsFlaggersEightFamilies_WithItsTypesAndHelpTexts()
    {
        var metrics = await ScrapeAsync(Web(), Checkpoint(CanaryPhase.Progressing, FullStats()));

        Assert.Equal(new Dictionary<string, string>
        {
            ["flagger_info"] = "gauge",
            ["flagger_canary_total"] = "gauge",
            ["flagger_canary_status"] = "gauge",
            ["flagger_canary_weight"] = "gauge",
            ["flagger_canary_duration_seconds"] = "histogram",
            ["flagger_canary_metric_analysis"] = "gauge",
            ["flagger_canary_successes_total"] = "counter",
            ["flagger_canary_failures_total"] = "counter",
        }, metrics.Types);
        Assert.Equal(new Dictionary<string, string>
        {
            ["flagger_info"] = "Flagger version and mesh provider information",
            ["flagger_canary_total"] = "Total number of canary object",
            ["flagger_canary_status"] = "Last canary analysis result",
            ["flagger_canary_weight"] = "The virtual service destination weight current value",
            ["flagger_canary_duration_seconds"] = "Seconds spent performing canary analysis.",
            ["flagger_canary_metric_analysis"] = "Last canary analysis result per metric",
            ["flagger_canary_successes_total"] = "Total number of canary successes",
            ["flagger_canary_failures_total"] = "Total number of canary failures",
        }, metrics.Help);
    }

    [Fact]
    public async Task WriteAsync_LabelsEverySeries_WithFlaggersLabelNames_AndTheTargetsName()
    {
        var metrics = await ScrapeAsync(Web(), Checkpoint(CanaryPhase.Progressing, FullStats()));

        string[] Labels(string name) => [.. metrics.Of(name).SelectMany(s => s.Labels.Keys).Where(k => k != "le").Distinct().Order(StringComparer.Ordinal)];
        Assert.Equal(["mesh_provider", "version"], Labels("flagger_info"));
        Assert.Equal(["namespace"], Labels("flagger_canary_total"));
        Assert.Equal(["name", "namespace"], Labels("flagger_canary_status"));
        Assert.Equal(["namespace", "workload"], Labels("flagger_canary_weight"));
        Assert.Equal(["name", "namespace"], Labels("flagger_canary_duration_seconds_bucket"));
        Assert.Equal(["metric", "name", "namespace"], Labels("flagger_canary_metric_analysis"));
        Assert.Equal(["analysis_status", "deployment_strategy", "name", "namespace"], Labels("flagger_canary_successes_total"));
        Assert.Equal(["analysis_status", "deployment_strategy", "name", "namespace"], Labels("flagger_canary_failures_total"));
        Assert.All(metrics.Samples.Where(s => s.Labels.ContainsKey("name")), s => Assert.Equal("web-app", s.Labels["name"]));
        Assert.Equal(["web-app-primary", "web-app"], metrics.Of("flagger_canary_weight").Select(s => s.Labels["workload"]));
    }

    [Fact]
    public async Task WriteAsync_FlaggerInfo_IsOne_WithOurVersionAndFlaggersGatewayApiProvider()
    {
        var metrics = await ScrapeAsync(Web());

        var info = Assert.Single(metrics.Of("flagger_info"));
        Assert.Equal(1, info.Value);
        Assert.Equal("gatewayapi:v1", info.Labels["mesh_provider"]);
        Assert.Matches(@"^\d+\.\d+\.\d+", info.Labels["version"]);
        Assert.DoesNotContain('+', info.Labels["version"]);
    }

    [Fact]
    public async Task WriteAsync_Values_AreTheStoredOnes()
    {
        var metrics = await ScrapeAsync(Web(), Checkpoint(CanaryPhase.Progressing, FullStats()));

        Assert.Equal(1, metrics.Value("flagger_canary_total", ("namespace", "test")));
        Assert.Equal(0, metrics.Value("flagger_canary_status"));
        Assert.Equal(70, metrics.Value("flagger_canary_weight", ("workload", "web-app-primary")));
        Assert.Equal(30, metrics.Value("flagger_canary_weight", ("workload", "web-app")));
        Assert.Equal(99.5, metrics.Value("flagger_canary_metric_analysis", ("metric", "request-success-rate")));
        Assert.Equal(0.25, metrics.Value("flagger_canary_metric_analysis", ("metric", "request-duration")));
        Assert.Equal(3, metrics.Value("flagger_canary_successes_total", ("deployment_strategy", "blue-green"), ("analysis_status", "completed")));
        Assert.Equal(1, metrics.Value("flagger_canary_successes_total", ("analysis_status", "skipped")));
        Assert.Equal(2, metrics.Value("flagger_canary_failures_total", ("deployment_strategy", "blue-green"), ("analysis_status", "completed")));
    }

    [Theory]
    [InlineData(CanaryPhase.Progressing, 0)]
    [InlineData(CanaryPhase.Failed, 2)]
    [InlineData(CanaryPhase.Succeeded, 1)]
    [InlineData(CanaryPhase.WaitingPromotion, 1)]
    [InlineData(CanaryPhase.Initialized, 1)]
    public async Task WriteAsync_Status_IsFlaggersCode(CanaryPhase phase, double code)
    {
        var metrics = await ScrapeAsync(Web(), Checkpoint(phase));

        Assert.Equal(code, metrics.Value("flagger_canary_status", ("name", "web-app")));
    }

    [Fact]
    public async Task WriteAsync_DurationHistogram_HasPrometheusDefaultBuckets_CumulativeCounts_AndTheExactSum()
    {
        var metrics = await ScrapeAsync(Web(), Checkpoint(CanaryPhase.Progressing, FullStats()));

        var buckets = metrics.Of("flagger_canary_duration_seconds_bucket").ToDictionary(s => s.Labels["le"], s => s.Value);
        Assert.Equal(
            ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"],
            buckets.Keys.Select(k => k == "+Inf" ? k : double.Parse(k, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)));
        Assert.Equal([1, 1, 1, 1, 1, 1, 3, 3, 3, 3, 3, 4], buckets.Values);
        Assert.Equal(4, metrics.Value("flagger_canary_duration_seconds_count"));
        Assert.Equal(12.603, metrics.Value("flagger_canary_duration_seconds_sum"), 9);
    }

    [Fact]
    public async Task WriteAsync_ObservationsOnABucketsUpperBound_StayInThatBucket()
    {
        var durations = TickDurations.Empty.Observe(0.1).Observe(0.1).Observe(0.1);

        var metrics = await ScrapeAsync(Web(), Checkpoint(CanaryPhase.Progressing, CanaryStats.Empty with { Durations = durations }));

        Assert.Equal(0, metrics.Value("flagger_canary_duration_seconds_bucket", ("le", "0.05")));
        Assert.Equal(3, metrics.Value("flagger_canary_duration_seconds_bucket", ("le", "0.1")));
        Assert.Equal(0.3, metrics.Value("flagger_canary_duration_seconds_sum"), 9);
    }

    [Fact]
    public async Task WriteAsync_CanaryWithNothingCounted_ExportsItsCountersAndHistogramAtZero_SoTheFirstIncrementIsSeenByRate()
    {
        var metrics = await ScrapeAsync(Web(), Checkpoint(CanaryPhase.Initialized));

        Assert.Equal(0, metrics.Value("flagger_canary_successes_total", ("name", "web-app"), ("deployment_strategy", "blue-green"), ("analysis_status", "completed")));
        Assert.Equal(0, metrics.Value("flagger_canary_failures_total", ("name", "web-app"), ("deployment_strategy", "blue-green"), ("analysis_status", "completed")));
        Assert.Equal(0, metrics.Value("flagger_canary_duration_seconds_count", ("name", "web-app")));
        Assert.Equal(12, metrics.Of("flagger_canary_duration_seconds_bucket").Count(s => s.Value == 0));
    }

    [Fact]
    public async Task WriteAsync_CanaryThatSkipsAnalysis_StartsItsSuccessesAtZero_AsSkipped()
    {
        var world = new InMemoryWorld(Podinfo.Canary().WithName("web").WithTargetRef("Deployment", "web-app").WithSkipAnalysis().Build());

        var metrics = await ScrapeAsync(world, Checkpoint(CanaryPhase.Initialized));

        Assert.Equal(0, metrics.Value("flagger_canary_successes_total", ("deployment_strategy", "canary"), ("analysis_status", "skipped")));
    }

    [Fact]
    public async Task WriteAsync_CanaryDeletedFromTheCluster_ExportsNothingOfIt_ButFlaggerInfo()
    {
        var gone = Checkpoint(CanaryPhase.Succeeded, FullStats()) with { Name = "deleted" };

        var metrics = await ScrapeAsync(Web(), gone);

        Assert.Equal(["flagger_info"], metrics.Samples.Select(s => s.Name));
    }

    [Fact]
    public async Task OnTheDurableHost_APromotionThenARollback_AreCountedOnceEach_WithADurationPerAnalysedTick()
    {
        await using var host = await RolloutHost.StartAsync(new InMemoryWorld(Podinfo.Canary().WithStepWeight(25).WithThreshold(1).Build()));
        await host.StartAsync();
        await host.CompletedAsync();
        host.World.UpdateTarget("podinfo:2.0.0");
        await host.StartAsync();
        await host.CompletedAsync();
        Assert.Equal(CanaryPhase.Succeeded, host.Phase);
        host.World.UpdateTarget("podinfo:3.0.0");
        host.World.SetMeasurement(CanaryMetric.RequestSuccessRate, 42);
        await host.StartAsync();
        await host.CompletedAsync();
        Assert.Equal(CanaryPhase.Failed, host.Phase);
        using var output = new MemoryStream();

        await new RolloutMetrics(host.Store, host.World).WriteAsync(output, CancellationToken.None);

        var metrics = Parse(Encoding.UTF8.GetString(output.ToArray()));
        Assert.Equal(1, metrics.Value("flagger_canary_successes_total", ("name", "podinfo"), ("deployment_strategy", "canary"), ("analysis_status", "completed")));
        Assert.Equal(1, metrics.Value("flagger_canary_failures_total", ("name", "podinfo"), ("deployment_strategy", "canary"), ("analysis_status", "completed")));
        // The good run: the first analysis tick and the metric ticks at 25 and 50 (the last promotes); the bad
        // one: the first analysis tick and the failed metric tick (the next rolls back before the analysis).
        Assert.Equal(5, metrics.Value("flagger_canary_duration_seconds_count", ("name", "podinfo")));
        Assert.Equal(42, metrics.Value("flagger_canary_metric_analysis", ("metric", "request-success-rate")));
        Assert.Equal(2, metrics.Value("flagger_canary_status"));
    }
}
