using Flagger.Core.Model;

namespace Flagger.Core.Analysis;

/// <summary>
/// Flagger's cumulative metrics of one canary (spec §8): its promotions and rollbacks
/// (<c>flagger_canary_successes_total</c>, <c>flagger_canary_failures_total</c>), the histogram of its tick
/// durations (<c>flagger_canary_duration_seconds</c>) and the last value of each metric
/// (<c>flagger_canary_metric_analysis</c>). Flagger keeps them in its process; we keep them in the canary's
/// checkpoint, so every instance exports the same and a restart loses nothing. Each committed tick stores
/// <see cref="After"/> of the stats it was observed with, and a tick commits once per sequence: a replayed
/// activity never counts twice.
/// </summary>
public sealed record CanaryStats
{
    public static readonly CanaryStats Empty = new();

    /// <summary>Promotions, by deployment strategy and analysis status (Flagger's IncSuccesses).</summary>
    public IReadOnlyList<OutcomeCount> Successes { get; init; } = [];

    /// <summary>Rollbacks and failed promotions, by deployment strategy and analysis status (Flagger's IncFailures).</summary>
    public IReadOnlyList<OutcomeCount> Failures { get; init; } = [];

    /// <summary>The seconds of each tick that reached the analysis (Flagger's SetDuration).</summary>
    public TickDurations Durations { get; init; } = TickDurations.Empty;

    /// <summary>The last value read for each metric, in Flagger's units (builtin request-duration in seconds).</summary>
    public IReadOnlyDictionary<string, double> MetricValues { get; init; } = new Dictionary<string, double>();

    /// <summary>
    /// The phase the last counted tick committed. Promotions and rollbacks are counted from it, not from the
    /// status read in the cluster: a tick that wrote Succeeded to the cluster but never committed (its attempts
    /// all failed) is counted by the next tick that commits. Null in stats from before it was kept.
    /// </summary>
    public CanaryPhase? Phase { get; init; }

    /// <summary>
    /// The stats once this tick is committed, its status the decision's (or the observed one). Flagger counts a success when a canary enters Succeeded
    /// (<c>completed</c> from Finalising, <c>skipped</c> when skipAnalysis promoted it) and a failure whenever it
    /// enters Failed (a rollback for any cause, ours an abort included, or a failed promotion), always
    /// <c>completed</c>; it observes a duration for every tick that got past the rollback checks to the analysis.
    /// </summary>
    /// <param name="spent">How long this tick's work took (the caller measures it; the core has no clock).</param>
    public CanaryStats After(CanaryObservation observation, TickDecision decision, TimeSpan spent)
    {
        ArgumentNullException.ThrowIfNull(observation);
        ArgumentNullException.ThrowIfNull(decision);
        var before = Phase ?? observation.Canary.Status?.Phase;
        var after = (decision.NextStatus ?? observation.Canary.Status)?.Phase;
        var strategy = StrategyLabel(observation.Canary.Analysis.Strategy);
        var next = this with { Phase = after };
        if (after != before && after == CanaryPhase.Succeeded)
        {
            var status = before == CanaryPhase.Finalising ? AnalysisStatus.Completed : AnalysisStatus.Skipped;
            next = next with { Successes = Increment(Successes, strategy, status) };
        }
        else if (after != before && after == CanaryPhase.Failed)
        {
            next = next with { Failures = Increment(Failures, strategy, AnalysisStatus.Completed) };
        }

        if (decision.Analysed)
        {
            next = next with { Durations = Durations.Observe(Math.Max(0, spent.TotalSeconds)) };
        }

        var values = decision.Checks.Stages.SelectMany(s => s.Results)
            .Where(r => r is { Kind: CheckKind.Metric, Value: { } v } && double.IsFinite(v))
            .ToList();
        if (values.Count > 0)
        {
            var merged = new Dictionary<string, double>(MetricValues, StringComparer.Ordinal);
            foreach (var result in values)
            {
                // Flagger exports the builtin request duration in seconds; ours is measured in milliseconds.
                merged[result.Name] = result.Name == CanaryMetric.RequestDuration ? result.Value!.Value / 1000 : result.Value!.Value;
            }

            next = next with { MetricValues = merged };
        }

        return next;
    }

    /// <summary>Flagger's <c>deployment_strategy</c> label values (<c>Canary.DeploymentStrategy()</c>).</summary>
    public static string StrategyLabel(DeploymentStrategy strategy) => strategy switch
    {
        DeploymentStrategy.BlueGreen => "blue-green",
        DeploymentStrategy.ABTesting => "ab-testing",
        _ => "canary",
    };

    private static IReadOnlyList<OutcomeCount> Increment(IReadOnlyList<OutcomeCount> counts, string strategy, string analysisStatus)
    {
        var existing = counts.FirstOrDefault(c => c.DeploymentStrategy == strategy && c.AnalysisStatus == analysisStatus);
        return existing is null
            ? [.. counts, new OutcomeCount(strategy, analysisStatus, 1)]
            : [.. counts.Select(c => ReferenceEquals(c, existing) ? c with { Count = c.Count + 1 } : c)];
    }
}

/// <summary>Flagger's <c>analysis_status</c> label values.</summary>
public static class AnalysisStatus
{
    public const string Completed = "completed";
    public const string Skipped = "skipped";
}

/// <param name="DeploymentStrategy"><c>canary</c>, <c>blue-green</c> or <c>ab-testing</c>.</param>
/// <param name="AnalysisStatus"><c>completed</c> or <c>skipped</c>.</param>
public sealed record OutcomeCount(string DeploymentStrategy, string AnalysisStatus, long Count);

/// <summary>
/// A histogram over Prometheus' default buckets (Go's <c>prometheus.DefBuckets</c>, which Flagger uses), kept
/// per bucket: the count and the sum of the observations that fell in it (the last bucket is above 10 s). The
/// per-bucket sums let an exporter that can only observe values rebuild the same buckets and the same total.
/// </summary>
/// <param name="Counts">One count per bucket of <see cref="Bounds"/>, then one for +Inf; empty when nothing was observed.</param>
/// <param name="Sums">The sum of the observations in each of those buckets.</param>
public sealed record TickDurations(IReadOnlyList<long> Counts, IReadOnlyList<double> Sums)
{
    /// <summary>Upper bounds (inclusive), as <c>prometheus.DefBuckets</c>.</summary>
    public static readonly IReadOnlyList<double> Bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    public static readonly TickDurations Empty = new([], []);

    public long Count => Counts.Sum();

    public double Sum => Sums.Sum();

    public TickDurations Observe(double seconds)
    {
        var bucket = 0;
        while (bucket < Bounds.Count && seconds > Bounds[bucket])
        {
            bucket++;
        }

        var counts = Counts.Count == Bounds.Count + 1 ? Counts.ToArray() : new long[Bounds.Count + 1];
        var sums = Sums.Count == Bounds.Count + 1 ? Sums.ToArray() : new double[Bounds.Count + 1];
        counts[bucket]++;
        sums[bucket] += seconds;
        return new TickDurations(counts, sums);
    }
}
