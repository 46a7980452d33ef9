using Azure;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
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
/// inbox is empty. (I8) No webhook URL secret or metadata is in any activity input or output. Outages of the API server, Prometheus and storage hit the activities as they would in
/// production: a failing activity is retried as the orchestrator's retry policy does, and a tick whose
/// retries all failed is abandoned (the orchestration fails and the sweep starts it again), whatever it had
/// already changed. The invariants hold across both.
/// </summary>
internal sealed class SafetyRun
{
    private const string Ns = "test";
    private const string Name = "podinfo";

    /// <summary>In the webhooks' URLs and metadata: it must never reach a Durable payload (I8).</summary>
    private const string Secret = "hook-s3cr3t";

    private readonly SafetyScenario _scenario;
    private readonly InMemoryWorld _world;
    private readonly InMemoryRolloutStore _store = new();
    private readonly InMemoryOperationInbox _inbox = new();
    private readonly FaultyParts _faults;
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
    private int _refused;
    private const int MaxAttempts = 5;

    private SafetyRun(SafetyScenario scenario)
    {
        _scenario = scenario;
        var canary = Podinfo.Canary().WithStepWeight(scenario.StepWeight).WithMaxWeight(scenario.MaxWeight).WithThreshold(scenario.Threshold)
            .WithAnalysis(a => a.Webhooks =
            [
                new CanaryWebhook { Name = "load", Type = WebhookType.Rollout, Url = $"http://loadtester.test/{Secret}?sig={Secret}", Metadata = new Dictionary<string, string> { ["token"] = Secret } },
                new CanaryWebhook { Name = "notify", Type = WebhookType.PostRollout, Url = $"https://user:{Secret}@hooks.test/done" },
            ])
            .Build();
        _world = new InMemoryWorld(canary);
        _faults = new FaultyParts(_world, _store, _inbox);
        _steps = new RolloutSteps(
            new CanaryObserver(_faults, _faults), new CheckRunner(_world, _faults), new DecisionApplier(_faults, _faults, _world, _world, _world), _faults, _faults, _faults);
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
                case SafetyMove.Outage { DuringTick: false } outage:
                    _faults.Arm(outage.Part, outage.Calls, outage.After);
                    break;
                case SafetyMove.Outage outage:
                    await TickAsync(duringTick: () =>
                    {
                        _faults.Arm(outage.Part, outage.Calls, outage.After);
                        return Task.CompletedTask;
                    });
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
        Assert.True(_world.HookTargets.All(t => t.Url.Contains(Secret, StringComparison.Ordinal)), "a webhook was called with its redacted URL");
        _counts.HookCalls += _world.HookTargets.Count;
    }

    /// <summary>The operator API's enqueue: an operation is accepted (202) only once it is stored; a storage outage answers 503 and accepts nothing.</summary>
    private async Task AcceptAsync(CanaryOperationKind kind)
    {
        var by = $"op-{_accepted.Count + _refused + 1}-{kind}";
        var detail = kind == CanaryOperationKind.Approve ? WebhookType.ConfirmPromotion : null;
        try
        {
            await _faults.EnqueueAsync(Ns, Name, new CanaryOperation(kind, by, _world.Now, detail), CancellationToken.None);
            _accepted.Add(by);
        }
        catch (RequestFailedException e) when (e.Status == 503)
        {
            _refused++;
        }
    }

    /// <summary>
    /// The tick activity under the orchestrator's retry policy (5 attempts, whatever the failure); null when every attempt
    /// failed. Only failures an injected outage caused are caught: any other exception is a bug and fails the run.
    /// </summary>
    private async Task<TickOutcome?> AttemptAsync(Func<Task<TickOutcome?>> activity)
    {
        for (var attempt = 1; ; attempt++)
        {
            var failuresBefore = _faults.Failures;
            try
            {
                return await activity();
            }
            catch (Exception) when (_faults.Failures > failuresBefore && attempt < MaxAttempts)
            {
                _counts.Retries++;
            }
            catch (Exception) when (_faults.Failures > failuresBefore)
            {
                _counts.AbandonedTicks++;
                return null;
            }
        }
    }

    /// <summary>
    /// What the Durable host does to every activity input and output: a JSON round trip, so each attempt gets its own
    /// copy (the in-memory world's writes to its Canary never leak into a request) and the contracts must serialise.
    /// </summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(value))]
    private T? Durable<T>(T? value)
        where T : class
    {
        if (value is null)
        {
            return null;
        }

        var json = System.Text.Json.JsonSerializer.Serialize(value);
        Assert.False(json.Contains(Secret, StringComparison.Ordinal), $"I8: a webhook secret in a Durable payload: {json}");
        return System.Text.Json.JsonSerializer.Deserialize<T>(json)!;
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
        var primaryBefore = _world.Primary?.Image;
        var failuresBefore = _faults.Failures;
        var raisesAfterFailedMetricsBefore = _faults.RaisesAfterFailedMetrics;
        var readsBefore = _faults.Reads.Count;
        _faults.AfterNextRead = duringTick;
        var request = Durable(new TickRequest(Ns, Name, _world.Now, $"tick-{_counts.Ticks + 1}"));
        var outcome = Durable(await AttemptAsync(() => _steps.TickAsync(Durable(request), CancellationToken.None)));
        if (_faults.AfterNextRead is { } notYet)
        {
            // No attempt got as far as the state read: what was to happen during the tick happens after it.
            _faults.AfterNextRead = null;
            await notYet();
        }

        // What the tick went on with: when its step was due, and the operations it applied (those its commit recorded;
        // uncommitted, any its attempts read, as each may have acted before failing).
        var reads = _faults.Reads.Skip(readsBefore).ToList();
        var read = reads.FirstOrDefault();
        var operations = reads.Count == 0 ? null : await OperationsAppliedAsync(request, reads);
        _counts.Ticks++;
        _counts.Failures += _faults.Failures - failuresBefore;
        if (read is not null && CanaryPhases.IsPaced(phaseBefore) && read.Checkpoint?.LastStepAt + _interval > _world.Now)
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

        CheckWeightStep(weightBefore, healthy: _healthy && _faults.RaisesAfterFailedMetrics == raisesAfterFailedMetricsBefore);
        if (operations is not null)
        {
            CheckPromotion(primaryBefore, operations, DecidedIn(request, reads, phaseBefore));
        }

        if (operations is not null && outcome is not null)
        {
            CheckAbort(operations, DecidedIn(request, reads, phaseBefore));
        }
    }

    /// <summary>
    /// The phase the tick's decision was made in: the canary's before the tick, unless an attempt found the tick
    /// begun by an earlier one (half applied, not committed) and finished it, as decided in the phase that one observed.
    /// </summary>
    private static CanaryPhase? DecidedIn(TickRequest request, List<TickState> reads, CanaryPhase? phaseBefore) =>
        reads.Select(r => r.Checkpoint).FirstOrDefault(c => c is { Reserved: true, Begun: not null } && c.TickId == request.TickId) is { } begun
            ? begun.Begun!.Observation.Canary.Status?.Phase
            : phaseBefore;

    private async Task<IReadOnlyList<CanaryOperation>> OperationsAppliedAsync(TickRequest request, List<TickState> reads)
    {
        if (await _store.GetCheckpointAsync(Ns, Name, CancellationToken.None) is { Reserved: false } checkpoint && checkpoint.TickId == request.TickId)
        {
            var history = await _store.GetHistoryAsync(Ns, Name, 1, null, CancellationToken.None);
            return history.Entries.Single(e => e.Sequence == checkpoint.Sequence).Operations;
        }

        return [.. reads.SelectMany(r => r.Pending).DistinctBy(p => p.Number).Select(p => p.Operation)];
    }

    private void CheckWeightStep(int weightBefore, bool healthy)
    {
        if (_world.CanaryWeight <= weightBefore || _world.Phase != CanaryPhase.Progressing)
        {
            return;
        }

        Assert.True(_lastWeightStepAt is null || _world.Now - _lastWeightStepAt >= _interval,
            $"I1: weight {weightBefore} → {_world.CanaryWeight} at {_world.Now:HH:mm:ss}, {(_world.Now - _lastWeightStepAt)?.TotalSeconds} s after the last step; {_scenario}{Trace()}");
        Assert.True(weightBefore == 0 || healthy, $"I2: weight {weightBefore} → {_world.CanaryWeight} on failing metrics; {_scenario}");
        _lastWeightStepAt = _world.Now;
        _reachedMaxWeight |= _world.CanaryWeight >= _scenario.MaxWeight;
        _counts.Steps++;
    }

    /// <summary>
    /// A promotion is the primary taking a new revision (not the event announcing it: an activity retried after an
    /// outage announces it again, and copying the same spec twice changes nothing).
    /// </summary>
    private void CheckPromotion(string? primaryBefore, IReadOnlyList<CanaryOperation> operations, CanaryPhase? phaseBefore)
    {
        if (primaryBefore is null || _world.Primary?.Image == primaryBefore)
        {
            return;
        }

        var asked = operations.Any(o => o.Kind == CanaryOperationKind.Promote) &&
            phaseBefore is CanaryPhase.Progressing or CanaryPhase.WaitingPromotion;
        if (!asked)
        {
            Assert.True(_reachedMaxWeight, $"I2: promoted by analysis before reaching maxWeight {_scenario.MaxWeight} (phase before {phaseBefore}, operations {string.Join(",", operations.Select(o => o.By))}); {_scenario}{Trace()}");
            Assert.True(_lastWeightStepAt is null || _world.Now - _lastWeightStepAt >= _interval,
                $"I1: promoted {(_world.Now - _lastWeightStepAt)?.TotalSeconds} s after the last step; {_scenario}");
        }

        var revision = _world.Primary!.Image;
        _promotionLog.Add($"{revision} at {_world.Now:HH:mm:ss} (asked: {asked}, primary now {_world.Primary?.Image})");
        _promotions[revision] = _promotions.GetValueOrDefault(revision) + 1;
        Assert.True(_promotions[revision] == 1, $"I6: {revision} promoted {_promotions[revision]} times: {string.Join("; ", _promotionLog)}; {_scenario}{Trace()}");
        _counts.Promotions++;
    }

    /// <summary>The canary's recent events, for a failing run's message.</summary>
    private string Trace() =>
        "\n" + string.Join("\n", _world.Events.TakeLast(40).Select(e => $"  [{e.Phase}] {e.Message}"));

    private void CheckAbort(IReadOnlyList<CanaryOperation> operations, CanaryPhase? phaseBefore)
    {
        if (!operations.Any(o => o.Kind == CanaryOperationKind.Abort) ||
            !CanaryPhases.Allows(phaseBefore, CanaryOperationKind.Abort))
        {
            return;
        }

        Assert.True(_world.Phase == CanaryPhase.Failed, $"I3: an abort in {phaseBefore} left the canary {_world.Phase} (operations {string.Join(",", operations.Select(o => o.By))}); {_scenario}{Trace()}");
        _counts.Aborts++;
    }
}
