using CsCheck;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Testing.Canaries;
using Flagger.Testing.Registry;

namespace Flagger.Rollouts.Tests.Safety;

/// <summary>
/// The safety promise, tried at random: sequences of wake-ups at random moments (timers, redeliveries, signals),
/// pushes of new and of the same image, operations at any moment and in any phase, and the metrics turning bad
/// and good again, run through the tick's real activities (<see cref="RolloutSteps"/>: observe, checks, apply)
/// with the operation inbox and the state store. After every tick and at the end of every run the invariants
/// of <see cref="SafetyRun"/> are checked. The seed count is fixed for CI; <c>FLAGGER_SAFETY_ITERATIONS</c>
/// raises it for a longer run, and <c>FLAGGER_SAFETY_SEED</c> replays one.
/// </summary>
public sealed class RolloutSafetyTests
{
    private static readonly long s_iterations = long.TryParse(Environment.GetEnvironmentVariable("FLAGGER_SAFETY_ITERATIONS"), out var n) ? n : 400;
    private static readonly string? s_seed = Environment.GetEnvironmentVariable("FLAGGER_SAFETY_SEED");

    [Fact]
    public async Task RandomPushesOperationsAndFaults_KeepEveryInvariant()
    {
        var totals = new SafetyCounts();
        await SafetyScenario.Gen.SampleAsync(
            async scenario =>
            {
                var counts = await SafetyRun.ExecuteAsync(scenario);
                lock (totals)
                {
                    totals.Add(counts);
                }
            },
            seed: s_seed,
            iter: s_iterations,
            threads: 1,
            print: scenario => scenario.ToString());

        Console.WriteLine($"safety: {s_iterations} runs, {totals}");
        if (s_seed is not null)
        {
            return;
        }

        // Guards the guard: the runs did reach the situations the invariants are about.
        Assert.True(totals.Steps > 0, "no run ever stepped");
        Assert.True(totals.Promotions > 0, "no run ever promoted");
        Assert.True(totals.Aborts > 0, "no run ever aborted");
        Assert.True(totals.EarlyWakes > 0, "no run ever woke a canary before its step was due");
        Assert.True(totals.Operations > 0, "no run ever asked for an operation");
        Assert.True(totals.HookCalls > 0, "no run ever called a webhook");
        Assert.True(totals.Retries > 0, "no activity was ever retried after an outage");
        Assert.True(totals.AbandonedTicks > 0, "no outage ever outlasted an activity's retries");
    }

    [Fact]
    public async Task SixRepushesOfTheImageUnderAnalysis_DoNotAdvanceAStep()
    {
        // The measured report: weight 10 → Promoting in 5.3 s with a 10 s interval by sending the same image six times.
        var scenario = new SafetyScenario(StepWeight: 10, MaxWeight: 50, Threshold: 5,
            [
                new SafetyMove.Push(New: true), new SafetyMove.Wake(61),
                .. Enumerable.Range(0, 6).SelectMany(_ => new SafetyMove[] { new SafetyMove.Wake(1), new SafetyMove.Push(New: false) }),
            ]);

        var counts = await SafetyRun.ExecuteAsync(scenario);

        Assert.Equal(1, counts.StepsDuringMoves);
    }

    /// <summary>
    /// Seed 8M1DfRIAkN31, shrunk: an image pushed mid-run (not yet due, so not yet detected), then promote-now.
    /// The promotion copied the new, never analysed revision while the status recorded the old one as promoted,
    /// so the new one later ran and was promoted a second time (I6, and I2 in spirit).
    /// </summary>
    [Fact]
    public async Task PromoteNowAfterTheTargetChangedMidRun_IsRefused_SoNoRevisionIsPromotedUnanalysedOrTwice()
    {
        var scenario = new SafetyScenario(StepWeight: 5, MaxWeight: 80, Threshold: 2,
        [
            new SafetyMove.Push(New: true), new SafetyMove.Wake(61), new SafetyMove.Wake(61),
            new SafetyMove.Push(New: true), new SafetyMove.Queue(CanaryOperationKind.Promote),
            .. Enumerable.Repeat(new SafetyMove.Wake(61), 30),
        ]);

        var counts = await SafetyRun.ExecuteAsync(scenario);

        // Promote-now was refused; the new revision ran its own analysis and was promoted once, by it.
        Assert.Equal(1, counts.Promotions);
    }

    /// <summary>
    /// Seed bf5C8KWkCMj1, shrunk: a due step patched the route and wrote the status, then its storage writes failed
    /// in all of the apply's attempts. The checkpoint still held the previous step's time, so the next wake-up, a
    /// second later, stepped again (I1). The step's time is now reserved in the checkpoint before the step touches
    /// the cluster.
    /// </summary>
    [Fact]
    public async Task AStepThatCouldNotBeRecorded_IsNotFollowedByAnotherBeforeItsInterval()
    {
        var scenario = new SafetyScenario(StepWeight: 10, MaxWeight: 50, Threshold: 5,
        [
            new SafetyMove.Push(New: true), new SafetyMove.Wake(61),
            // The next step is due, and every storage write of its five attempts fails.
            new SafetyMove.Outage(FaultPart.StorageWrites, Calls: 5, DuringTick: false, After: 0), new SafetyMove.Wake(61),
            new SafetyMove.Wake(1), new SafetyMove.Wake(1),
        ]);

        var counts = await SafetyRun.ExecuteAsync(scenario);

        // The step that could not reserve its time never touched the cluster; the storage back, it was taken once.
        Assert.Equal(1, counts.AbandonedTicks);
        Assert.Equal(2, counts.StepsDuringMoves);
    }

    /// <summary>
    /// Seed 1NZJpq_SRjI1, shrunk: a tick recorded its history, then storage failed before its checkpoint. The next
    /// tick took the same sequence, found it in the history, took itself for a replay and forgot its operations
    /// unapplied (I3). The checkpoint is now the tick's commit, and the replay check reads it.
    /// </summary>
    [Fact]
    public async Task OperationsOfATickWhoseCommitFailed_AreAppliedByTheNextTick_AndNoneIsLost()
    {
        var scenario = new SafetyScenario(StepWeight: 10, MaxWeight: 50, Threshold: 5,
        [
            new SafetyMove.Push(New: true), new SafetyMove.Wake(61),
            // Pause is stored, its tick's observe reads storage twice, apply reads the checkpoint, acts and
            // records the history; the checkpoint write and the four retries fail.
            new SafetyMove.Outage(FaultPart.Storage, Calls: 5, DuringTick: false, After: 5), new SafetyMove.Queue(CanaryOperationKind.Pause),
            new SafetyMove.Queue(CanaryOperationKind.Resume), new SafetyMove.Queue(CanaryOperationKind.Abort),
        ]);

        var counts = await SafetyRun.ExecuteAsync(scenario);

        Assert.Equal(1, counts.AbandonedTicks);
        Assert.Equal(3, counts.Operations);
        Assert.Equal(1, counts.Aborts);
    }

    [Fact]
    public async Task PauseApproveAndAbortSentDuringOneTick_AreAllAppliedAndTheAbortWins()
    {
        var scenario = new SafetyScenario(StepWeight: 10, MaxWeight: 50, Threshold: 5,
        [
            new SafetyMove.Push(New: true), new SafetyMove.Wake(61), new SafetyMove.Wake(61),
            new SafetyMove.Queue(CanaryOperationKind.Pause), new SafetyMove.Queue(CanaryOperationKind.Approve), new SafetyMove.Queue(CanaryOperationKind.Abort),
            new SafetyMove.Wake(1),
        ]);

        var counts = await SafetyRun.ExecuteAsync(scenario);

        Assert.Equal(3, counts.Operations);
        Assert.Equal(1, counts.Aborts);
    }
}

/// <summary>One random history of a canary: its analysis, then what happens to it, in order.</summary>
public sealed record SafetyScenario(int StepWeight, int MaxWeight, int Threshold, IReadOnlyList<SafetyMove> Moves)
{
    public static readonly Gen<SafetyScenario> Gen =
        from stepWeight in CsCheck.Gen.OneOf(5, 10, 20, 25, 50)
        from maxWeight in CsCheck.Gen.OneOf(30, 50, 80, 100)
        from threshold in CsCheck.Gen.Int[1, 5]
        from moves in SafetyMove.Gen.Array[1, 80]
        select new SafetyScenario(stepWeight, Math.Max(stepWeight, maxWeight), threshold, moves);

    public override string ToString() =>
        $"stepWeight {StepWeight}, maxWeight {MaxWeight}, threshold {Threshold}: {string.Join(", ", Moves)}";
}

public abstract record SafetyMove
{
    /// <summary>A tick attempt this many seconds after the previous move: a timer, a redelivery, a stray signal.</summary>
    public sealed record Wake(int AfterSeconds) : SafetyMove;

    /// <summary>A registry push: a new image (patched on the target) or the one already there (only a wake-up).</summary>
    public sealed record Push(bool New) : SafetyMove;

    /// <summary>An operation accepted into the inbox; its wake-up runs a tick at once.</summary>
    public sealed record Queue(CanaryOperationKind Kind) : SafetyMove;

    /// <summary>An operation accepted while a tick was between observe and apply: the next tick must apply it.</summary>
    public sealed record QueueDuringTick(CanaryOperationKind Kind) : SafetyMove;

    /// <summary>The canary's metrics turn bad (the analysis fails) or good again.</summary>
    public sealed record Metrics(bool Healthy) : SafetyMove;

    /// <summary>
    /// A dependency goes down for <paramref name="Calls"/> calls (up to more than an activity's retries can outlast).
    /// It begins <paramref name="After"/> calls to it later, counted from now or, with <paramref name="DuringTick"/>,
    /// from the middle of the next tick (after observe), so apply fails part-way through its writes.
    /// </summary>
    public sealed record Outage(FaultPart Part, int Calls, bool DuringTick, int After) : SafetyMove;

    public static readonly Gen<SafetyMove> Gen = CsCheck.Gen.Frequency(
        (6, CsCheck.Gen.Int[0, 150].Select(s => (SafetyMove)new Wake(s))),
        (2, CsCheck.Gen.Bool.Select(n => (SafetyMove)new Push(n))),
        (2, CsCheck.Gen.Enum<CanaryOperationKind>().Select(k => (SafetyMove)new Queue(k))),
        (1, CsCheck.Gen.Enum<CanaryOperationKind>().Select(k => (SafetyMove)new QueueDuringTick(k))),
        (1, CsCheck.Gen.Bool.Select(h => (SafetyMove)new Metrics(h))),
        (2, from part in CsCheck.Gen.Enum<FaultPart>()
            from calls in CsCheck.Gen.Int[1, 12]
            from duringTick in CsCheck.Gen.Bool
            from after in CsCheck.Gen.Int[0, 4]
            select (SafetyMove)new Outage(part, calls, duringTick, after)));
}

public sealed class SafetyCounts
{
    public int Steps { get; set; }

    /// <summary>Weight steps before the final drain (the timers left to run the canary to rest).</summary>
    public int StepsDuringMoves { get; set; }

    public int Promotions { get; set; }

    public int Aborts { get; set; }

    public int EarlyWakes { get; set; }

    public int Operations { get; set; }

    public int Ticks { get; set; }

    /// <summary>Webhook calls, each checked to have had its real URL.</summary>
    public int HookCalls { get; set; }

    /// <summary>Dependency calls that failed on an injected outage.</summary>
    public int Failures { get; set; }

    /// <summary>Activities retried after a failure.</summary>
    public int Retries { get; set; }

    /// <summary>Ticks whose activity failed all its attempts (the orchestration failed; the sweep restarts it).</summary>
    public int AbandonedTicks { get; set; }

    public void Add(SafetyCounts other)
    {
        Steps += other.Steps;
        Promotions += other.Promotions;
        Aborts += other.Aborts;
        EarlyWakes += other.EarlyWakes;
        Operations += other.Operations;
        Ticks += other.Ticks;
        Failures += other.Failures;
        HookCalls += other.HookCalls;
        Retries += other.Retries;
        AbandonedTicks += other.AbandonedTicks;
    }

    public override string ToString() =>
        $"{Ticks} ticks, {Steps} weight steps, {Promotions} promotions, {Aborts} aborts applied, {Operations} operations, {EarlyWakes} early wake-ups, {HookCalls} webhook calls, {Failures} injected failures, {Retries} retried activities, {AbandonedTicks} abandoned ticks";
}
