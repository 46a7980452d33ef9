using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Testing.Canaries;
using Flagger.Testing.Registry;

namespace Flagger.Rollouts.Tests.Safety;

/// <summary>
/// Runs one <see cref="SafetyScenario"/> tick by tick and checks, after every tick:
/// (I1) no weight step sooner than the analysis interval after the last one, and no promotion by analysis
/// sooner than an interval after the last step; (I2) a promotion by analysis only once the run reached
/// maxWeight, with every step after the first taken on healthy metrics; (I3, per tick) an abort the phase
/// allows leaves the canary Failed in the same tick; (I6) at most one promotion per revision. At the end,
/// after draining: (I3) every accepted operation was applied exactly once, in the order accepted, and the
/// inbox is empty.
/// </summary>
internal sealed class SafetyRun
{
    private const string Ns = "test";
    private const string Name = "podinfo";

    private readonly SafetyScenario _scenario;
    private readonly InMemoryWorld _world;
    private readonly InMemoryRolloutStore _store = new();
    private readonly InMemoryOperationInbox _inbox = new();
    private readonly RolloutSteps _steps;
    private readonly TimeSpan _interval;
    private readonly List<string> _accepted = [];
    private readonly Dictionary<string, int> _promotions = new(StringComparer.Ordinal);
    private readonly SafetyCounts _counts = new();
    private readonly List<string> _promotionLog = [];
    private int _version = 1;
    private bool _healthy = true;
    private DateTimeOffset? _lastWeightStepAt;
    private bool _reachedMaxWeight;
    private int _eventsSeen;

    private SafetyRun(SafetyScenario scenario)
    {
        _scenario = scenario;
        var canary = Podinfo.Canary().WithStepWeight(scenario.StepWeight).WithMaxWeight(scenario.MaxWeight).WithThreshold(scenario.Threshold).Build();
        _world = new InMemoryWorld(canary);
        _steps = new RolloutSteps(new CanaryObserver(_world, _world), new CheckRunner(_world, _world), new DecisionApplier(_world, _world, _world, _world, _world), _store, _inbox);
        _interval = canary.Analysis.GetInterval();
    }

    public static async Task<SafetyCounts> ExecuteAsync(SafetyScenario scenario)
    {
        var run = new SafetyRun(scenario);
        await run.RunAsync();
        return run._counts;
    }

    private async Task RunAsync()
    {
        for (var i = 0; i < 3 && _world.Phase != CanaryPhase.Initialized; i++)
        {
            await TickAsync();
            _world.Now += _interval;
        }

        Assert.Equal(CanaryPhase.Initialized, _world.Phase);
        foreach (var move in _scenario.Moves)
        {
            switch (move)
            {
                case SafetyMove.Wake wake:
                    _world.Now += TimeSpan.FromSeconds(wake.AfterSeconds);
                    await TickAsync();
                    break;
                case SafetyMove.Push { New: true }:
                    _world.UpdateTarget($"podinfo:{++_version}.0.0");
                    await TickAsync();
                    break;
                case SafetyMove.Push { New: false }:
                    await TickAsync();
                    break;
                case SafetyMove.Queue queue:
                    await AcceptAsync(queue.Kind);
                    await TickAsync();
                    break;
                case SafetyMove.QueueDuringTick queue:
                    await TickAsync(duringTick: () => AcceptAsync(queue.Kind));
                    break;
                case SafetyMove.Metrics metrics:
                    SetHealthy(metrics.Healthy);
                    break;
            }
        }

        _counts.StepsDuringMoves = _counts.Steps;

        // The timers run on until the canary rests with an empty inbox (a paused canary rests where it is).
        for (var i = 0; i < 200 && (await PendingAsync() > 0 || (CanaryPhases.Ticks(_world.Canary.Status) && !_world.Status.Paused)); i++)
        {
            _world.Now += _interval;
            await TickAsync();
        }

        Assert.True(await PendingAsync() == 0, $"operations left in the inbox; {_scenario}");
        var applied = new List<string>();
        string? token = null;
        var entries = new List<Core.Ports.HistoryEntry>();
        do
        {
            var page = await _store.GetHistoryAsync(Ns, Name, 1000, token, CancellationToken.None);
            entries.AddRange(page.Entries);
            token = page.ContinuationToken;
        }
        while (token is not null);

        applied.AddRange(entries.OrderBy(e => e.Sequence).SelectMany(e => e.Operations).Select(o => o.By!));
        Assert.True(_accepted.SequenceEqual(applied), $"I3: accepted [{string.Join(", ", _accepted)}] but applied [{string.Join(", ", applied)}]; {_scenario}");
        _counts.Operations += _accepted.Count;
    }

    private async Task AcceptAsync(CanaryOperationKind kind)
    {
        var by = $"op-{_accepted.Count + 1}-{kind}";
        var detail = kind == CanaryOperationKind.Approve ? WebhookType.ConfirmPromotion : null;
        await _inbox.EnqueueAsync(Ns, Name, new CanaryOperation(kind, by, _world.Now, detail), CancellationToken.None);
        _accepted.Add(by);
    }

    private void SetHealthy(bool healthy)
    {
        _healthy = healthy;
        _world.SetMeasurement(CanaryMetric.RequestSuccessRate, healthy ? 100 : 50);
    }

    private async Task<int> PendingAsync() => (await _inbox.PendingAsync(Ns, Name, 0, CancellationToken.None)).Count;

    private async Task TickAsync(Func<Task>? duringTick = null)
    {
        var phaseBefore = _world.Phase;
        var weightBefore = _world.CanaryWeight;
        var observed = await _steps.ObserveAsync(new ObserveRequest(Ns, Name, _world.Now), CancellationToken.None);
        var observation = observed.Observation!;
        if (duringTick is not null)
        {
            await duringTick();
        }

        var report = observed.Plan is { } plan
            ? await _steps.RunChecksAsync(new ChecksRequest(observation.Canary, plan), CancellationToken.None)
            : null;
        await _steps.ApplyAsync(new ApplyRequest(observation, report, observed.Context), CancellationToken.None);
        _counts.Ticks++;
        if (CanaryPhases.IsPaced(phaseBefore) && observation.StepDueAt > _world.Now)
        {
            _counts.EarlyWakes++;
        }

        var events = _world.Events.Skip(_eventsSeen).Select(e => e.Message).ToList();
        _eventsSeen = _world.Events.Count;
        if (events.Any(e => e.StartsWith("New revision detected", StringComparison.Ordinal)))
        {
            _reachedMaxWeight = false;
            _lastWeightStepAt = null;
        }

        CheckWeightStep(weightBefore);
        CheckPromotion(events, observation, phaseBefore);
        CheckAbort(observation, phaseBefore);
    }

    private void CheckWeightStep(int weightBefore)
    {
        if (_world.CanaryWeight <= weightBefore || _world.Phase != CanaryPhase.Progressing)
        {
            return;
        }

        Assert.True(_lastWeightStepAt is null || _world.Now - _lastWeightStepAt >= _interval,
            $"I1: weight {weightBefore} → {_world.CanaryWeight} at {_world.Now:HH:mm:ss}, {(_world.Now - _lastWeightStepAt)?.TotalSeconds} s after the last step; {_scenario}");
        Assert.True(weightBefore == 0 || _healthy, $"I2: weight {weightBefore} → {_world.CanaryWeight} on failing metrics; {_scenario}");
        _lastWeightStepAt = _world.Now;
        _reachedMaxWeight |= _world.CanaryWeight >= _scenario.MaxWeight;
        _counts.Steps++;
    }

    private void CheckPromotion(List<string> events, CanaryObservation observation, CanaryPhase? phaseBefore)
    {
        if (!events.Any(e => e.Contains("template spec to", StringComparison.Ordinal)))
        {
            return;
        }

        var asked = observation.Operations.Any(o => o.Kind == CanaryOperationKind.Promote) &&
            phaseBefore is CanaryPhase.Progressing or CanaryPhase.WaitingPromotion;
        if (!asked)
        {
            Assert.True(_reachedMaxWeight, $"I2: promoted by analysis before reaching maxWeight {_scenario.MaxWeight}; {_scenario}");
            Assert.True(_lastWeightStepAt is null || _world.Now - _lastWeightStepAt >= _interval,
                $"I1: promoted {(_world.Now - _lastWeightStepAt)?.TotalSeconds} s after the last step; {_scenario}");
        }

        var revision = _world.Target.Image;
        _promotionLog.Add($"{revision} at {_world.Now:HH:mm:ss} (asked: {asked}, primary now {_world.Primary?.Image})");
        _promotions[revision] = _promotions.GetValueOrDefault(revision) + 1;
        Assert.True(_promotions[revision] == 1, $"I6: {revision} promoted {_promotions[revision]} times: {string.Join("; ", _promotionLog)}; {_scenario}{Trace()}");
        _counts.Promotions++;
    }

    /// <summary>The canary's recent events, for a failing run's message.</summary>
    private string Trace() =>
        "\n" + string.Join("\n", _world.Events.TakeLast(40).Select(e => $"  [{e.Phase}] {e.Message}"));

    private void CheckAbort(CanaryObservation observation, CanaryPhase? phaseBefore)
    {
        if (!observation.Operations.Any(o => o.Kind == CanaryOperationKind.Abort) ||
            !CanaryPhases.Allows(phaseBefore, CanaryOperationKind.Abort))
        {
            return;
        }

        Assert.True(_world.Phase == CanaryPhase.Failed, $"I3: an abort in {phaseBefore} left the canary {_world.Phase}; {_scenario}");
        _counts.Aborts++;
    }
}
