using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using k8s;

namespace Flagger.Benchmarks.Scale;

/// <summary>
/// One row of the scale table (issue 12, P3): against a running Flagger.Host in sandbox mode, create N
/// canaries, wait until all are initialised, push one image per canary, follow every rollout to Succeeded,
/// then read each canary's tick history from the host's API. Exit code 0 only when every rollout succeeded
/// in time and every push was accepted.
/// </summary>
public static class ScaleRun
{
    public const string Command = "scale";
    private static readonly TimeSpan s_poll = TimeSpan.FromSeconds(2);
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public static async Task<int> MainAsync(IReadOnlyList<string> args)
    {
        ScaleOptions options;
        try
        {
            options = ScaleOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            await Console.Error.WriteLineAsync($"scale: {e.Message}");
            return 2;
        }

        try
        {
            var row = await RunAsync(options, Console.Out, CancellationToken.None);
            Console.WriteLine(ScaleRow.Header);
            Console.WriteLine(row.ToMarkdown());
            if (options.Output is { } output)
            {
                var text = (File.Exists(output) ? "" : ScaleRow.Header + Environment.NewLine) + row.ToMarkdown() + Environment.NewLine;
                await File.AppendAllTextAsync(output, text);
            }

            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or HttpRequestException or k8s.Autorest.HttpOperationException)
        {
            await Console.Error.WriteLineAsync($"scale: FAILED: {e.Message}");
            return 1;
        }
    }

    public static async Task<ScaleRow> RunAsync(ScaleOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(options.Kubeconfig));
        using var http = new HttpClient { BaseAddress = options.Api, Timeout = TimeSpan.FromMinutes(2) };
        var canaries = new ScaleCanaries(client, options);
        var clock = Stopwatch.StartNew();

        log.WriteLine($"creating {options.Canaries} Deployments and Canaries in namespace {options.Namespace} (interval {options.Interval.TotalSeconds:0}s, {options.Steps} steps)");
        await canaries.CreateAsync(cancellationToken);
        var initialized = await WaitAsync(canaries, options, options.InitializeTimeout, "initialised",
            phase => phase is CanaryPhase.Initialized or CanaryPhase.Succeeded, log, clock, cancellationToken);
        var initializeTime = initialized.Values.Max();

        var hostCpuBefore = ProcessSample.CpuSeconds(options.HostPid);
        var azuriteCpuBefore = options.AzuritePids.Select(pid => ProcessSample.CpuSeconds(pid)).ToList();
        await using var queues = options.Storage is { } storage ? new QueueDepths(storage, options.TaskHub) : null;
        queues?.Start();
        var pushedAt = DateTimeOffset.UtcNow;
        var window = Stopwatch.StartNew();
        log.WriteLine($"pushing {options.Canaries} images ({options.PushConcurrency} at a time)");
        var latencies = await new RegistryPushes(http, options).PushAllAsync(cancellationToken);
        log.WriteLine($"  pushed in {window.Elapsed.TotalSeconds:0.0}s");

        // Each rollout is ideally: the push-woken tick, the steps, then promote, finalise, succeed an interval apart.
        var timeout = options.RolloutTimeout ?? TimeSpan.FromTicks(options.Interval.Ticks * (options.Steps + 4) * 2) + TimeSpan.FromMinutes(5);
        var pushClock = clock.Elapsed;
        var succeeded = await WaitAsync(canaries, options, timeout, "succeeded", phase => phase is CanaryPhase.Succeeded, log, clock, cancellationToken);
        var elapsed = window.Elapsed;
        var hostCpu = ProcessSample.CpuSeconds(options.HostPid) - hostCpuBefore;
        var azuriteCpu = options.AzuritePids.Select((pid, k) => ProcessSample.CpuSeconds(pid) - azuriteCpuBefore[k]).ToList();

        var ticks = await TicksAsync(http, canaries, pushedAt, cancellationToken);
        var lags = new List<double>();
        var activities = 0;
        foreach (var entries in ticks)
        {
            for (var k = 0; k < entries.Count; k++)
            {
                // A tick is one activity (idle wakes record nothing and are not counted).
                activities++;
                if (k > 0)
                {
                    lags.Add((entries[k].At - entries[k - 1].At - options.Interval).TotalSeconds);
                }
            }
        }

        if (lags.Count == 0)
        {
            throw new InvalidOperationException("no tick history after the push: nothing to measure");
        }

        return new ScaleRow(
            options.Label,
            options.Canaries,
            options.Interval,
            Percentile([.. latencies.Select(l => l.TotalMilliseconds)], 50),
            Percentile([.. latencies.Select(l => l.TotalMilliseconds)], 99),
            Percentile(lags, 50),
            Percentile(lags, 99),
            lags.Max(),
            activities / elapsed.TotalSeconds,
            ProcessSample.PeakRssBytes(options.HostPid),
            [.. azuriteCpu.Select(cpu => cpu / elapsed.TotalSeconds)],
            hostCpu / elapsed.TotalSeconds,
            Percentile([.. succeeded.Values.Select(t => (t - pushClock).TotalSeconds)], 50),
            Percentile([.. succeeded.Values.Select(t => (t - pushClock).TotalSeconds)], 99),
            ticks.Sum(t => t.Count),
            initializeTime.TotalSeconds,
            queues is null ? null : $"{queues.MaxWorkItems} / {queues.MaxControl}");
    }

    /// <summary>Polls the Canaries until every one is in a phase <paramref name="reached"/> accepts; when each got there.</summary>
    private static async Task<IReadOnlyDictionary<string, TimeSpan>> WaitAsync(
        ScaleCanaries canaries, ScaleOptions options, TimeSpan timeout, string what, Func<CanaryPhase?, bool> reached, TextWriter log, Stopwatch clock, CancellationToken cancellationToken)
    {
        var names = canaries.Names.ToHashSet(StringComparer.Ordinal);
        var reachedAt = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        var started = clock.Elapsed;
        var lastReport = TimeSpan.Zero;
        while (true)
        {
            var phases = await canaries.PhasesAsync(cancellationToken);
            foreach (var name in names.Where(n => !reachedAt.ContainsKey(n) && phases.TryGetValue(n, out var phase) && reached(phase)))
            {
                reachedAt[name] = clock.Elapsed;
            }

            var failed = names.Where(n => phases.GetValueOrDefault(n) == CanaryPhase.Failed).ToList();
            if (failed.Count > 0)
            {
                throw new InvalidOperationException($"{failed.Count} canaries failed, e.g. {failed[0]}");
            }

            if (reachedAt.Count == names.Count)
            {
                log.WriteLine($"  all {names.Count} {what} after {(clock.Elapsed - started).TotalSeconds:0}s");
                return reachedAt;
            }

            var waited = clock.Elapsed - started;
            if (waited > timeout)
            {
                throw new TimeoutException($"{names.Count - reachedAt.Count} of {names.Count} canaries not {what} after {timeout.TotalMinutes:0.#} min: {Census(names, phases)}");
            }

            if (waited - lastReport >= TimeSpan.FromSeconds(30))
            {
                log.WriteLine($"  [{waited.TotalSeconds,4:0}s] {reachedAt.Count}/{names.Count} {what}; {Census(names, phases)}");
                lastReport = waited;
            }

            await Task.Delay(s_poll, cancellationToken);
        }
    }

    private static string Census(IEnumerable<string> names, IReadOnlyDictionary<string, CanaryPhase?> phases) =>
        string.Join(", ", names.GroupBy(n => phases.TryGetValue(n, out var p) ? p?.ToString() ?? "no status" : "missing")
            .OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}"));

    /// <summary>Each canary's committed ticks since the push, oldest first, from <c>GET /api/canaries/{ns}/{name}/history</c>.</summary>
    private static async Task<IReadOnlyList<IReadOnlyList<HistoryEntry>>> TicksAsync(HttpClient http, ScaleCanaries canaries, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var names = canaries.Names.ToList();
        var ticks = new IReadOnlyList<HistoryEntry>[names.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, names.Count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, token) =>
        {
            var entries = new List<HistoryEntry>();
            string? continuation = null;
            do
            {
                var uri = $"/api/canaries/{canaries.Namespace}/{names[i]}/history?pageSize=100"
                    + (continuation is null ? "" : "&continuationToken=" + Uri.EscapeDataString(continuation));
                var page = await http.GetFromJsonAsync<HistoryPage>(uri, s_json, token)
                    ?? throw new InvalidOperationException($"no history for {names[i]}");
                entries.AddRange(page.Entries);
                continuation = page.ContinuationToken;
            }
            while (continuation is not null && entries.Min(e => e.At) >= since);

            ticks[i] = [.. entries.Where(e => e.At >= since).OrderBy(e => e.Sequence)];
        });
        return ticks;
    }

    /// <summary>Nearest rank.</summary>
    private static double Percentile(IReadOnlyList<double> values, int percentile)
    {
        var sorted = values.Order().ToList();
        var rank = (int)Math.Ceiling(percentile / 100.0 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}

/// <summary>One measured row; the first six figures are the table.</summary>
public sealed record ScaleRow(
    string Label,
    int Canaries,
    TimeSpan Interval,
    double WebhookP50Ms,
    double WebhookP99Ms,
    double TickLagP50Seconds,
    double TickLagP99Seconds,
    double TickLagMaxSeconds,
    double ActivitiesPerSecond,
    long? HostPeakRssBytes,
    IReadOnlyList<double?> AzuriteCpuCores,
    double? HostCpuCores,
    double RolloutP50Seconds,
    double RolloutP99Seconds,
    int Ticks,
    double InitializeSeconds,
    string? MaxQueueDepths)
{
    public const string Header =
        "| settings | canaries | interval | webhook p50 / p99 | tick lag p50 / p99 (max) | activities/s | host RSS (peak) | Azurite CPU | host CPU | push→Succeeded p50 / p99 | ticks | init | max queued work items / control |\n"
        + "|---|---:|---:|---|---|---:|---:|---:|---:|---|---:|---:|---|";

    public string ToMarkdown() => string.Create(CultureInfo.InvariantCulture,
        $"| {Label} | {Canaries} | {Interval.TotalSeconds:0}s | {WebhookP50Ms:0} ms / {WebhookP99Ms:0} ms | {TickLagP50Seconds:0.00} s / {TickLagP99Seconds:0.00} s ({TickLagMaxSeconds:0.0} s) | {ActivitiesPerSecond:0.0} | {Mib(HostPeakRssBytes)} | {AzuriteCpu} | {Percent(HostCpuCores)} | {RolloutP50Seconds:0} s / {RolloutP99Seconds:0} s | {Ticks} | {InitializeSeconds:0} s | {MaxQueueDepths ?? "-"} |");

    /// <summary>Azurite's CPU: one figure, or one per process (queue + table + blob) when it runs split, each out of one core.</summary>
    private string AzuriteCpu => AzuriteCpuCores.Count == 0 ? "-" : string.Join(" + ", AzuriteCpuCores.Select(Percent));

    private static string Mib(long? bytes) => bytes is { } b ? string.Create(CultureInfo.InvariantCulture, $"{b / (1024.0 * 1024):0} MiB") : "-";

    private static string Percent(double? cores) => cores is { } c ? string.Create(CultureInfo.InvariantCulture, $"{c * 100:0}%") : "-";
}
