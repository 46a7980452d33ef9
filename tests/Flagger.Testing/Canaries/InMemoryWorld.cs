using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Core.Workloads;

namespace Flagger.Testing.Canaries;

/// <summary>
/// A stateful in-memory cluster, router, metric provider, webhook receiver, event recorder and notifier for
/// one canary, in the manner of Flagger's scheduler test fixture: ticks are driven one by one and the tests
/// assert on the resulting world (weights, replicas, images, status, events, hook calls).
/// </summary>
public sealed class InMemoryWorld : ICanaryCluster, ITrafficRouter, IMetricProvider, IWebhookClient, IEventRecorder, INotifier
{
    public const string NotUpdated = "waiting for rollout to finish: 0 out of 1 new replicas have been updated";

    private readonly CanaryTickRunner _runner;

    public InMemoryWorld(Canary canary, string image = "podinfo:1.0.0")
    {
        Canary = canary;
        Target = new SimulatedDeployment { Image = image, Replicas = 1, Readiness = Readiness.Ready };
        _runner = new CanaryTickRunner(this, this, this, this, this, this);
        Now = new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero);
    }

    public Canary Canary { get; }

    public SimulatedDeployment Target { get; }

    public SimulatedDeployment? Primary { get; private set; }

    public Dictionary<string, string> TargetConfigs { get; } = [];

    public Dictionary<string, string> PrimaryConfigs { get; private set; } = [];

    /// <summary>When true, a Deployment that starts rolling out is ready at the next tick; otherwise tests call MakeReady.</summary>
    public bool AutoReady { get; set; } = true;

    public bool RouteExists { get; private set; }

    public int PrimaryWeight { get; private set; } = 100;

    public int CanaryWeight { get; private set; }

    public bool Mirrored { get; private set; }

    /// <summary>When set, the gateway has not accepted the route yet.</summary>
    public string? RouteNotReady { get; set; }

    public List<(int Primary, int Canary, bool Mirrored)> RouteHistory { get; } = [];

    /// <summary>The session-affinity cookies of the last route written (null without session affinity).</summary>
    public SessionCookies? RouteCookies { get; private set; }

    public List<RecordEvent> Events { get; } = [];

    public List<SendAlert> Alerts { get; } = [];

    public List<(string Type, string Name, WebhookPayload Payload)> HookCalls { get; } = [];

    /// <summary>The URL and metadata each hook call was given, in call order.</summary>
    public List<(string Url, IDictionary<string, string>? Metadata)> HookTargets { get; } = [];

    /// <summary>Answer per hook name; hooks not listed answer 200.</summary>
    public Dictionary<string, WebhookResult> HookAnswers { get; } = [];

    /// <summary>Measurement per metric name; metrics not listed measure 100 (success rate) or 0 (anything else).</summary>
    public Dictionary<string, MetricMeasurement> Measurements { get; } = [];

    public List<string> MeasuredMetrics { get; } = [];

    public List<CanaryStatus> StatusWrites { get; } = [];

    public DateTimeOffset Now { get; set; }

    public CanaryStatus Status => Canary.Status ?? new CanaryStatus();

    public CanaryPhase? Phase => Canary.Status?.Phase;

    /// <summary>Operations the next tick applies (as the orchestrator passes them), then forgets.</summary>
    public List<CanaryOperation> Operations { get; } = [];

    public void Ask(CanaryOperationKind kind) => Operations.Add(new CanaryOperation(kind, "tester", Now));

    /// <summary>
    /// Whether a tick of ours was committed (the orchestrator's checkpoint exists): false until the first tick, so
    /// that tick may adopt a status Flagger wrote (<see cref="FlaggerAdoption"/>). Tests set it to simulate either.
    /// </summary>
    public bool HasCheckpoint { get; set; }

    /// <summary>The host's default gate timeout, as the observe step puts it in the observation.</summary>
    public TimeSpan? DefaultGateTimeout { get; set; }

    public async Task<TickDecision> TickAsync()
    {
        var operations = Operations.ToList();
        Operations.Clear();
        var decision = await _runner.RunAsync(Canary.Metadata.NamespaceProperty, Canary.Metadata.Name, Now, operations, firstSeen: !HasCheckpoint, defaultGateTimeout: DefaultGateTimeout);
        HasCheckpoint = true;
        Now += Canary.Analysis.GetInterval();
        return decision ?? throw new InvalidOperationException("the canary vanished");
    }

    /// <summary>
    /// The primary Deployment and HTTPRoute as another controller (Flagger) left them: the primary runs
    /// <paramref name="image"/> with copies of the target's configs, ready, and the route at the given weights.
    /// </summary>
    public void SeedPrimary(string image, int primaryWeight = 100, int canaryWeight = 0)
    {
        Primary = new SimulatedDeployment { Image = image, Replicas = 1, Readiness = Readiness.Ready };
        PrimaryConfigs = new Dictionary<string, string>(TargetConfigs);
        RouteExists = true;
        (PrimaryWeight, CanaryWeight, Mirrored) = (primaryWeight, canaryWeight, false);
    }

    public async Task TicksAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await TickAsync();
        }
    }

    /// <summary>Runs ticks until the phase is reached (at most <paramref name="limit"/>).</summary>
    public async Task<int> TickUntilAsync(CanaryPhase phase, int limit = 50)
    {
        for (var i = 1; i <= limit; i++)
        {
            await TickAsync();
            if (Phase == phase)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"phase {phase} not reached in {limit} ticks; now {Phase}");
    }

    /// <summary>Initializes the canary (primary created and ready) and returns with phase Initialized.</summary>
    public async Task<InMemoryWorld> InitializedAsync()
    {
        await TickUntilAsync(CanaryPhase.Initialized, 5);
        return this;
    }

    public void UpdateTarget(string image)
    {
        Target.Image = image;
        if (Target.Replicas > 0)
        {
            StartRollout(Target);
        }
    }

    public void MakePrimaryReady() => Primary!.Readiness = Readiness.Ready;

    public void MakeCanaryReady() => Target.Readiness = Readiness.Ready;

    public void SetMeasurement(string metric, double value) => Measurements[metric] = MetricMeasurement.Of(value);

    public IEnumerable<string> EventMessages => Events.Select(e => e.Message);

    // ICanaryCluster

    public Task<Canary?> GetCanaryAsync(string @namespace, string name, CancellationToken cancellationToken) =>
        Task.FromResult(!Deleted && Canary.Metadata.NamespaceProperty == @namespace && Canary.Metadata.Name == name ? Canary : null);

    /// <summary>The Canary is gone (deleted without finalizers, or its last finalizer removed after a deletion).</summary>
    public bool Deleted { get; private set; }

    /// <summary>As the API server does it: a Canary with finalizers gets a deletionTimestamp, one without is gone.</summary>
    public void Delete()
    {
        if (Canary.Metadata.Finalizers is { Count: > 0 })
        {
            Canary.Metadata.DeletionTimestamp ??= Now.UtcDateTime;
        }
        else
        {
            Deleted = true;
        }
    }

    /// <summary>How often the user-created apex Service was pointed back at the target, and the router reverted.</summary>
    public int ApexReverts { get; private set; }

    public int RouteReverts { get; private set; }

    public Task AddFinalizerAsync(Canary canary, CancellationToken cancellationToken)
    {
        Canary.Metadata.Finalizers = [.. Canary.Metadata.Finalizers ?? [], CanaryFinalizer.Name];
        return Task.CompletedTask;
    }

    public Task RemoveFinalizerAsync(Canary canary, CanaryStatus? lastStatus, CancellationToken cancellationToken)
    {
        if (Deleted)
        {
            return Task.CompletedTask;
        }

        if (lastStatus is not null)
        {
            Canary.Status = lastStatus;
            StatusWrites.Add(lastStatus);
        }

        Canary.Metadata.Finalizers = [.. (Canary.Metadata.Finalizers ?? []).Where(f => f != CanaryFinalizer.Name)];
        Deleted = Canary.Metadata.DeletionTimestamp is not null && Canary.Metadata.Finalizers.Count == 0;
        return Task.CompletedTask;
    }

    public Task<TerminationObservation> ObserveTerminationAsync(Canary canary, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (TargetProblem is not null)
        {
            return Task.FromResult(TerminationObservation.TargetMissing);
        }

        Settle(Target);
        return Task.FromResult(new TerminationObservation(true, Target.Replicas == RestoredReplicas, Target.Readiness));
    }

    public Task RestoreTargetAsync(Canary canary, CancellationToken cancellationToken)
    {
        if (Target.Replicas != RestoredReplicas)
        {
            Target.Replicas = RestoredReplicas;
            StartRollout(Target);
        }

        return Task.CompletedTask;
    }

    public Task RevertApexServiceAsync(Canary canary, CancellationToken cancellationToken)
    {
        ApexReverts++;
        return Task.CompletedTask;
    }

    /// <summary>The primary's replicas, or (no primary) the target's own, at least 1.</summary>
    private int RestoredReplicas => Primary?.Replicas ?? Math.Max(1, Target.Replicas);

    /// <summary>The primary autoscaler's maximum, as the cluster adapter reads it (only with an autoscalerRef).</summary>
    public int? PrimaryMaxReplicas { get; set; }

    /// <summary>The minimum a pre-scale holds the primary autoscaler at (<see cref="ScalePrimaryUpAsync"/>); null when none is held.</summary>
    public int? HeldPrimaryMinimum { get; private set; }

    /// <summary>When set, the target cannot be used (a missing Deployment, say): the observation reports this problem.</summary>
    public string? TargetProblem { get; set; }

    public Task<WorkloadObservation> SyncWorkloadAsync(Canary canary, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (TargetProblem is { } problem)
        {
            return Task.FromResult(WorkloadObservation.Unusable(problem));
        }

        Settle(Target);

        // As the cluster adapter: compared only for a status Flagger wrote, before a missing primary is created.
        bool? primaryMatchesTarget = FlaggerAdoption.IsFlaggerStatus(canary.Status)
            ? Primary is not null && Primary.Image == Target.Image
                && PrimaryConfigs.Count == TargetConfigs.Count && TargetConfigs.All(c => PrimaryConfigs.GetValueOrDefault(c.Key) == c.Value)
            : null;
        if (Primary is null)
        {
            Primary = new SimulatedDeployment { Image = Target.Image, Replicas = Math.Max(1, Target.Replicas) };
            PrimaryConfigs = new Dictionary<string, string>(TargetConfigs);
            StartRollout(Primary);
        }
        else
        {
            Settle(Primary);
        }

        return Task.FromResult(new WorkloadObservation(
            Target.Image, new Dictionary<string, string>(TargetConfigs), Target.Readiness, Primary.Readiness)
        {
            PrimaryMatchesTarget = primaryMatchesTarget,
            Scaling = canary.Spec.AutoscalerRef is null
                ? null
                : new ScalingObservation(Target.Replicas, Primary.Replicas, PrimaryMaxReplicas, HeldPrimaryMinimum is not null),
        });
    }

    public Task ScaleTargetToZeroAsync(Canary canary, CancellationToken cancellationToken)
    {
        Target.Replicas = 0;
        return Task.CompletedTask;
    }

    public Task ScaleTargetUpAsync(Canary canary, CancellationToken cancellationToken)
    {
        if (Target.Replicas == 0)
        {
            Target.Replicas = 1;
            StartRollout(Target);
        }

        return Task.CompletedTask;
    }

    public Task PromotePrimaryAsync(Canary canary, CancellationToken cancellationToken)
    {
        Primary!.Image = Target.Image;
        PrimaryConfigs = new Dictionary<string, string>(TargetConfigs);
        StartRollout(Primary);
        return Task.CompletedTask;
    }

    /// <summary>As the cluster adapter: never scales down; more replicas start a rollout the primary's readiness waits for.</summary>
    public Task ScalePrimaryUpAsync(Canary canary, int replicas, bool holdMinimum, CancellationToken cancellationToken)
    {
        if (holdMinimum)
        {
            HeldPrimaryMinimum = replicas;
        }

        if (replicas > Primary!.Replicas)
        {
            Primary.Replicas = replicas;
            StartRollout(Primary);
        }

        return Task.CompletedTask;
    }

    public Task ReleasePrimaryScalerAsync(Canary canary, CancellationToken cancellationToken)
    {
        HeldPrimaryMinimum = null;
        return Task.CompletedTask;
    }

    public Task WriteStatusAsync(Canary canary, CanaryStatus status, CancellationToken cancellationToken)
    {
        Canary.Status = status;
        StatusWrites.Add(status);
        return Task.CompletedTask;
    }

    /// <summary>The recorded events as the API server would list them (newest first), each message once with its count.</summary>
    public Task<IReadOnlyList<CanaryEvent>> ListEventsAsync(Canary canary, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<CanaryEvent>>(Events
            .Select((e, index) => (Event: e, Index: index))
            .GroupBy(e => (e.Event.Severity, e.Event.Message))
            .OrderByDescending(g => g.Max(e => e.Index))
            .Select(g => new CanaryEvent(g.Key.Severity == EventSeverity.Info ? "Normal" : "Warning", "Synced", g.Key.Message, g.Count(), null, null, "flagger"))
            .ToList());

    // ITrafficRouter

    public Task<RouteObservation> SyncAsync(Canary canary, CancellationToken cancellationToken)
    {
        if (!RouteExists)
        {
            RouteExists = true;
            (PrimaryWeight, CanaryWeight, Mirrored) = (100, 0, false);
        }

        return Task.FromResult(RouteNotReady is { } message
            ? RouteObservation.NotReady(message)
            : RouteObservation.Ready(PrimaryWeight, CanaryWeight, Mirrored));
    }

    public Task SetRoutesAsync(Canary canary, SetRoutes weights, string? observedVersion, CancellationToken cancellationToken)
    {
        if (!RouteExists)
        {
            throw new InvalidOperationException("SetRoutes on a route that does not exist");
        }

        (PrimaryWeight, CanaryWeight, Mirrored) = (weights.PrimaryWeight, weights.CanaryWeight, weights.Mirrored);
        RouteHistory.Add((PrimaryWeight, CanaryWeight, Mirrored));
        RouteCookies = weights.Cookies;
        return Task.CompletedTask;
    }

    public Task RevertAsync(Canary canary, CancellationToken cancellationToken)
    {
        RouteReverts++;
        return Task.CompletedTask;
    }

    /// <summary>Puts traffic where a test wants it, as a user editing the HTTPRoute would.</summary>
    public void SetWeights(int primary, int canary) => (PrimaryWeight, CanaryWeight) = (primary, canary);

    // IMetricProvider

    public Task<MetricMeasurement> MeasureAsync(Canary canary, CanaryMetric metric, CancellationToken cancellationToken)
    {
        MeasuredMetrics.Add(metric.Name);
        var measurement = Measurements.TryGetValue(metric.Name, out var configured)
            ? configured
            : MetricMeasurement.Of(metric.Name == CanaryMetric.RequestSuccessRate ? 100 : 0);
        return Task.FromResult(measurement);
    }

    public Task<CheckResult> CheckAvailabilityAsync(Canary canary, CanaryMetric metric, CancellationToken cancellationToken) =>
        Task.FromResult(new CheckResult(CheckKind.Provider, metric.Name, CheckVerdict.Passed, "online"));

    // IWebhookClient

    /// <summary>How long every webhook takes to answer (a slow check, for operations that arrive during a tick).</summary>
    public TimeSpan HookDelay { get; set; }

    public async Task<WebhookResult> CallAsync(CanaryWebhook webhook, WebhookPayload payload, CancellationToken cancellationToken)
    {
        HookCalls.Add((WebhookType.Normalize(webhook.Type), webhook.Name, payload));
        HookTargets.Add((webhook.Url, webhook.Metadata));
        if (HookDelay > TimeSpan.Zero)
        {
            await Task.Delay(HookDelay, cancellationToken);
        }

        return HookAnswers.TryGetValue(webhook.Name, out var answer) ? answer : WebhookResult.Success();
    }

    // IEventRecorder, INotifier

    public Task RecordAsync(Canary canary, RecordEvent canaryEvent, CancellationToken cancellationToken)
    {
        Events.Add(canaryEvent);
        return Task.CompletedTask;
    }

    public Task NotifyAsync(Canary canary, SendAlert alert, CancellationToken cancellationToken)
    {
        Alerts.Add(alert);
        return Task.CompletedTask;
    }

    private void StartRollout(SimulatedDeployment deployment)
    {
        deployment.Readiness = Readiness.Waiting(NotUpdated);
        deployment.SettlesAtNextTick = AutoReady;
    }

    private static void Settle(SimulatedDeployment deployment)
    {
        if (deployment.SettlesAtNextTick)
        {
            deployment.Readiness = Readiness.Ready;
            deployment.SettlesAtNextTick = false;
        }
    }
}

public sealed class SimulatedDeployment
{
    public required string Image { get; set; }

    public int Replicas { get; set; }

    /// <summary>Setting it by hand (a test breaking or fixing a rollout) overrides a pending automatic settle.</summary>
    public Readiness Readiness
    {
        get;
        set
        {
            field = value;
            SettlesAtNextTick = false;
        }
    } = Readiness.Ready;

    internal bool SettlesAtNextTick { get; set; }
}
