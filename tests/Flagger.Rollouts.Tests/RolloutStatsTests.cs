using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Testing.Canaries;
using Flagger.Testing.Registry;

namespace Flagger.Rollouts.Tests;

/// <summary>
/// Flagger's counters and duration histogram as the tick activity keeps them in the checkpoint: counted by
/// the tick that promotes, rolls back or analyses, once, however often the activity runs.
/// </summary>
public sealed class RolloutStatsTests
{
    /// <summary>
    /// Every clock read advances one step. A tick reads the clock at its start, at the start and the end of each
    /// part it runs (observe, checks, apply) and at its commit: 4 steps without checks, 6 with.
    /// </summary>
    private sealed class SteppingTime(TimeSpan step) : TimeProvider
    {
        private long _now;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Add(ref _now, step.Ticks);
    }

    /// <summary>The store, whose next commit (a checkpoint that is not a reservation) fails once when armed.</summary>
    private sealed class CommitFailingStore(InMemoryRolloutStore inner) : IRolloutStore
    {
        public bool FailNextCommit { get; set; }

        public Task<bool> SaveCheckpointAsync(CanaryCheckpoint checkpoint, CancellationToken cancellationToken)
        {
            if (FailNextCommit && !checkpoint.Reserved)
            {
                FailNextCommit = false;
                throw new InvalidOperationException("storage went away before the commit");
            }

            return inner.SaveCheckpointAsync(checkpoint, cancellationToken);
        }

        public Task<CanaryCheckpoint?> GetCheckpointAsync(string @namespace, string name, CancellationToken cancellationToken) => inner.GetCheckpointAsync(@namespace, name, cancellationToken);

        public Task<IReadOnlyList<CanaryCheckpoint>> ListCheckpointsAsync(CancellationToken cancellationToken) => inner.ListCheckpointsAsync(cancellationToken);

        public Task DeleteCheckpointAsync(string @namespace, string name, CancellationToken cancellationToken) => inner.DeleteCheckpointAsync(@namespace, name, cancellationToken);

        public Task AppendHistoryAsync(HistoryEntry entry, CancellationToken cancellationToken) => inner.AppendHistoryAsync(entry, cancellationToken);

        public Task<HistoryPage> GetHistoryAsync(string @namespace, string name, int pageSize, string? continuationToken, CancellationToken cancellationToken) =>
            inner.GetHistoryAsync(@namespace, name, pageSize, continuationToken, cancellationToken);

        public Task<bool> TryRecordDeliveryAsync(string eventId, DateTimeOffset receivedAt, CancellationToken cancellationToken) => inner.TryRecordDeliveryAsync(eventId, receivedAt, cancellationToken);

        public Task PruneAsync(DateTimeOffset historyBefore, DateTimeOffset deliveriesBefore, CancellationToken cancellationToken) => inner.PruneAsync(historyBefore, deliveriesBefore, cancellationToken);
    }

    private sealed class Rollout
    {
        public Rollout(CanaryBuilder builder)
        {
            World = new InMemoryWorld(builder.Build());
            Store = new CommitFailingStore(Memory);
            Steps = new RolloutSteps(
                new CanaryObserver(World, World), new CheckRunner(World, World), new DecisionApplier(World, World, World, World, World),
                new SeparateTickStateReader(Memory, Inbox), Store, Inbox, new SteppingTime(TimeSpan.FromMilliseconds(100)));
        }

        public InMemoryOperationInbox Inbox { get; } = new();

        public InMemoryWorld World { get; }

        public InMemoryRolloutStore Memory { get; } = new();

        public CommitFailingStore Store { get; }

        public RolloutSteps Steps { get; }

        /// <summary>Every tick runs twice, as after a crash that lost the first attempt's answer.</summary>
        public bool TickTwice { get; init; } = true;

        public async Task<CanaryStats> StatsAsync() => (await Memory.GetCheckpointAsync("test", World.Canary.Metadata.Name, CancellationToken.None))!.Stats;

        public async Task TickAsync()
        {
            var request = new TickRequest("test", World.Canary.Metadata.Name, World.Now, Guid.NewGuid().ToString("N"));
            try
            {
                await Steps.TickAsync(request, CancellationToken.None);
            }
            catch (InvalidOperationException)
            {
                // The activity's retry: the same request again.
            }

            if (TickTwice)
            {
                await Steps.TickAsync(request, CancellationToken.None);
            }

            World.Now += World.Canary.Analysis.GetInterval();
        }

        /// <summary>Initialized, then a new image, then ticks until the canary is idle again.</summary>
        public async Task RunAsync(Func<Rollout, Task>? beforeEachTick = null)
        {
            await TickAsync();
            await TickAsync();
            World.UpdateTarget("podinfo:2.0.0");
            for (var i = 0; i < 30; i++)
            {
                if (beforeEachTick is not null)
                {
                    await beforeEachTick(this);
                }

                await TickAsync();
                if (World.Phase is CanaryPhase.Succeeded or CanaryPhase.Failed)
                {
                    return;
                }
            }

            Assert.Fail($"the rollout did not end; phase {World.Phase}");
        }
    }

    private static (string, string, long)[] Counts(IEnumerable<OutcomeCount> counts) =>
        [.. counts.Select(c => (c.DeploymentStrategy, c.AnalysisStatus, c.Count))];

    [Fact]
    public async Task APromotion_CountsOneCompletedSuccess_EvenWhenEveryTickRunsTwice()
    {
        var rollout = new Rollout(Podinfo.Canary());

        await rollout.RunAsync();

        Assert.Equal(CanaryPhase.Succeeded, rollout.World.Phase);
        var stats = await rollout.StatsAsync();
        Assert.Equal([("canary", "completed", 1L)], Counts(stats.Successes));
        Assert.Empty(stats.Failures);
    }

    [Fact]
    public async Task ARollback_CountsOneCompletedFailure_EvenWhenEveryTickRunsTwice()
    {
        var rollout = new Rollout(Podinfo.Canary().WithThreshold(2));
        rollout.World.SetMeasurement(CanaryMetric.RequestSuccessRate, 42);

        await rollout.RunAsync();

        Assert.Equal(CanaryPhase.Failed, rollout.World.Phase);
        var stats = await rollout.StatsAsync();
        Assert.Equal([("canary", "completed", 1L)], Counts(stats.Failures));
        Assert.Empty(stats.Successes);
    }

    [Fact]
    public async Task ASkippedAnalysis_CountsOneSkippedSuccess_AndObservesNoDuration()
    {
        var rollout = new Rollout(Podinfo.Canary().WithSkipAnalysis());

        await rollout.RunAsync();

        Assert.Equal(CanaryPhase.Succeeded, rollout.World.Phase);
        var stats = await rollout.StatsAsync();
        Assert.Equal([("canary", "skipped", 1L)], Counts(stats.Successes));
        Assert.Equal(0, stats.Durations.Count);
    }

    [Fact]
    public async Task AnAbort_CountsAFailure_LikeFlaggersRollback()
    {
        var rollout = new Rollout(Podinfo.Canary());

        await rollout.RunAsync(async r =>
        {
            if (r.World.CanaryWeight == 20 && r.World.Phase == CanaryPhase.Progressing)
            {
                await r.Inbox.EnqueueAsync("test", "podinfo", new CanaryOperation(CanaryOperationKind.Abort, "alice", r.World.Now), CancellationToken.None);
            }
        });

        Assert.Equal(CanaryPhase.Failed, rollout.World.Phase);
        Assert.Equal([("canary", "completed", 1L)], Counts((await rollout.StatsAsync()).Failures));
    }

    [Fact]
    public async Task TwoRuns_OnePromotedOneRolledBack_AddUp()
    {
        var rollout = new Rollout(Podinfo.Canary().WithThreshold(1));
        await rollout.RunAsync();
        rollout.World.UpdateTarget("podinfo:3.0.0-bad");
        rollout.World.SetMeasurement(CanaryMetric.RequestSuccessRate, 42);
        for (var i = 0; i < 10 && rollout.World.Phase != CanaryPhase.Failed; i++)
        {
            await rollout.TickAsync();
        }

        var stats = await rollout.StatsAsync();
        Assert.Equal([("canary", "completed", 1L)], Counts(stats.Successes));
        Assert.Equal([("canary", "completed", 1L)], Counts(stats.Failures));
    }

    public static TheoryData<string, string> Strategies => new()
    {
        { "blue-green", "blue-green" },
        { "ab-testing", "ab-testing" },
    };

    [Theory]
    [MemberData(nameof(Strategies))]
    public async Task APromotion_IsLabelledWithFlaggersDeploymentStrategy(string strategy, string label)
    {
        var builder = Podinfo.Canary().WithIterations(2);
        if (strategy == "ab-testing")
        {
            builder = builder.WithMatch("x-canary", new StringMatch { Exact = "insider" });
        }

        var rollout = new Rollout(builder);

        await rollout.RunAsync();

        Assert.Equal(CanaryPhase.Succeeded, rollout.World.Phase);
        Assert.Equal([(label, "completed", 1L)], Counts((await rollout.StatsAsync()).Successes));
    }

    [Fact]
    public async Task ACommitThatFailed_AndWasRetriedByTheActivity_CountsThePromotionOnce()
    {
        var rollout = new Rollout(Podinfo.Canary());

        await rollout.RunAsync(r =>
        {
            // The tick that ends the promotion: its first attempt acts, records its history, and fails to commit.
            r.Store.FailNextCommit = r.World.Phase == CanaryPhase.Finalising;
            return Task.CompletedTask;
        });

        Assert.Equal(CanaryPhase.Succeeded, rollout.World.Phase);
        Assert.Equal([("canary", "completed", 1L)], Counts((await rollout.StatsAsync()).Successes));
    }

    [Fact]
    public async Task ACommitThatNeverHappened_IsCountedOnce_ByTheNextTickThatCommits()
    {
        var rollout = new Rollout(Podinfo.Canary()) { TickTwice = false };
        await rollout.RunAsync(r =>
        {
            r.Store.FailNextCommit = r.World.Phase == CanaryPhase.Finalising;
            return Task.CompletedTask;
        });
        // Its retries ran out: the cluster says Succeeded, the checkpoint is still the tick's reservation.
        Assert.Equal(CanaryPhase.Succeeded, rollout.World.Phase);
        Assert.True((await rollout.Memory.GetCheckpointAsync("test", "podinfo", CancellationToken.None))!.Reserved);
        Assert.Empty((await rollout.StatsAsync()).Successes);

        await rollout.TickAsync();
        await rollout.TickAsync();

        Assert.Equal([("canary", "completed", 1L)], Counts((await rollout.StatsAsync()).Successes));
    }

    [Fact]
    public async Task EveryAnalysedTick_ObservesOneDuration_FromItsStartToItsCommit()
    {
        var rollout = new Rollout(Podinfo.Canary());
        rollout.World.SetMeasurement(CanaryMetric.RequestDuration, 250);

        await rollout.RunAsync();

        // stepWeight 10 to maxWeight 50: the first analysis tick (pre-rollout hooks only, no checks: 0.4 s), then
        // five with metrics (0.6 s each), the last of them promoting. Promoting, Finalising and the ticks before
        // the run do not reach the analysis.
        var durations = (await rollout.StatsAsync()).Durations;
        Assert.Equal(6, durations.Count);
        Assert.Equal(3.4, durations.Sum, 6);
        var cumulative = TickDurations.Bounds.Select((bound, i) => (bound, durations.Counts.Take(i + 1).Sum())).ToList();
        Assert.Equal((0.25, 0L), cumulative[5]);
        Assert.Equal((0.5, 1L), cumulative[6]);
        Assert.Equal((1.0, 6L), cumulative[7]);
    }

    [Fact]
    public async Task TheLastValueOfEachMetric_IsKept_InFlaggersUnits()
    {
        var rollout = new Rollout(Podinfo.Canary());
        rollout.World.SetMeasurement(CanaryMetric.RequestSuccessRate, 99.5);
        rollout.World.SetMeasurement(CanaryMetric.RequestDuration, 250);

        await rollout.RunAsync();

        var values = (await rollout.StatsAsync()).MetricValues;
        Assert.Equal(99.5, values[CanaryMetric.RequestSuccessRate]);
        Assert.Equal(0.25, values[CanaryMetric.RequestDuration]);
    }
}
