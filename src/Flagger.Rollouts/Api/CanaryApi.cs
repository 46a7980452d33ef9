using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;

namespace Flagger.Rollouts.Api;

/// <summary>An HTTP answer with a JSON body, independent of the host that serves it.</summary>
public sealed record ApiResult(int Status, object? Body)
{
    /// <summary>Sent as <c>Retry-After</c> (whole seconds) when set: the 503 of an outage.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static ApiResult Error(int status, string message) => new(status, new ApiError(message));

    public static ApiResult Unavailable(string message, TimeSpan retryAfter) => new(503, new ApiError(message)) { RetryAfter = retryAfter };
}

public sealed record ApiError(string Error);

/// <summary>An operation accepted into the canary's inbox; <paramref name="Number"/> is its place there (the history lists it once applied).</summary>
public sealed record AcceptedOperation(long Number, CanaryOperationKind Kind, string? By, DateTimeOffset At, string? Detail);

public sealed record CanarySummary(string Namespace, string Name, string? Phase, int CanaryWeight, int PrimaryWeight, int FailedChecks, long Ticks, DateTimeOffset UpdatedAt);

public sealed record CanaryDetail(
    string Namespace,
    string Name,
    string? Phase,
    int CanaryWeight,
    int PrimaryWeight,
    int FailedChecks,
    int Iterations,
    bool Paused,
    string? LastAppliedSpec,
    string? LastPromotedSpec,
    IReadOnlyList<CanaryCondition> Conditions,
    IReadOnlyList<CheckResult> LastChecks,
    string? LastMessage,
    DateTimeOffset? UpdatedAt,
    AnalysisSummary Analysis);

/// <summary>
/// The analysis the rollout follows, from the Canary's spec as it is now: what a watcher needs to show progress.
/// <paramref name="Weights"/> are the canary weights a canary-strategy rollout steps through (empty for blue-green
/// and A/B testing, which run <paramref name="Iterations"/> instead); promotion starts at <paramref name="MaxWeight"/>.
/// </summary>
public sealed record AnalysisSummary(string Strategy, IReadOnlyList<int> Weights, int MaxWeight, int Iterations, int Threshold, string Interval)
{
    public static AnalysisSummary Of(CanaryAnalysis analysis) => new(
        CanaryStats.StrategyLabel(analysis.Strategy), WeightSchedule.Ladder(analysis), WeightSchedule.MaxWeight(analysis),
        analysis.EffectiveIterations, analysis.EffectiveThreshold, GoDuration.Format(analysis.GetInterval()));
}

/// <summary>
/// The operator's HTTP API over canaries (list, status, history, operations), as plain handlers: the
/// Function App and Flagger.Host map the same routes to them. Operations are checked against the phase
/// (409 with the reason), stored in the canary's operation inbox, then wake its rollout; the tick records who asked.
/// </summary>
public sealed class CanaryApi(ICanaryCluster cluster, IRolloutStore store, IOperationInbox inbox, IGateStore gates, TimeProvider time)
{
    public static readonly IReadOnlySet<string> Gates = new HashSet<string>(StringComparer.Ordinal)
    {
        WebhookType.ConfirmRollout, WebhookType.ConfirmTrafficIncrease, WebhookType.ConfirmPromotion,
    };

    private static readonly Dictionary<string, CanaryOperationKind> s_operations = new(StringComparer.OrdinalIgnoreCase)
    {
        ["promote"] = CanaryOperationKind.Promote,
        ["abort"] = CanaryOperationKind.Abort,
        ["retry"] = CanaryOperationKind.Retry,
        ["pause"] = CanaryOperationKind.Pause,
        ["resume"] = CanaryOperationKind.Resume,
        ["approve"] = CanaryOperationKind.Approve,
    };

    public async Task<ApiResult> ListAsync(CancellationToken cancellationToken)
    {
        var checkpoints = await store.ListCheckpointsAsync(cancellationToken);
        return new ApiResult(200, checkpoints
            .OrderBy(c => c.Namespace, StringComparer.Ordinal).ThenBy(c => c.Name, StringComparer.Ordinal)
            .Select(c => new CanarySummary(c.Namespace, c.Name, c.Status.Phase?.ToString(), c.CanaryWeight, c.PrimaryWeight, c.Status.FailedChecks, c.Sequence, c.UpdatedAt))
            .ToList());
    }

    public async Task<ApiResult> GetAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        if (InvalidCanary(@namespace, name) is { } invalid)
        {
            return invalid;
        }

        var canary = await cluster.GetCanaryAsync(@namespace, name, cancellationToken);
        if (canary is null)
        {
            return NotFound(@namespace, name);
        }

        var checkpoint = await store.GetCheckpointAsync(@namespace, name, cancellationToken);
        var last = (await store.GetHistoryAsync(@namespace, name, 1, null, cancellationToken)).Entries.FirstOrDefault();
        var status = canary.Status ?? checkpoint?.Status ?? new CanaryStatus();
        return new ApiResult(200, new CanaryDetail(
            @namespace, name, status.Phase?.ToString(), checkpoint?.CanaryWeight ?? status.CanaryWeight, checkpoint?.PrimaryWeight ?? 100,
            status.FailedChecks, status.Iterations, status.Paused, status.LastAppliedSpec, status.LastPromotedSpec,
            status.Conditions ?? [], last?.Checks ?? [], last?.Message, checkpoint?.UpdatedAt, AnalysisSummary.Of(canary.Analysis)));
    }

    public async Task<ApiResult> HistoryAsync(string @namespace, string name, int? pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        if (InvalidCanary(@namespace, name) is { } invalid)
        {
            return invalid;
        }

        if (pageSize is < 1 or > 1000)
        {
            return ApiResult.Error(400, "pageSize must be between 1 and 1000");
        }

        var page = await store.GetHistoryAsync(@namespace, name, pageSize ?? 50, continuationToken, cancellationToken);
        if (page.Entries.Count == 0 && continuationToken is null && await cluster.GetCanaryAsync(@namespace, name, cancellationToken) is null)
        {
            return NotFound(@namespace, name);
        }

        return new ApiResult(200, page);
    }

    /// <summary><c>GET .../events</c>: the Canary's Kubernetes Events, newest first (what <c>kubectl describe canary</c> shows).</summary>
    public async Task<ApiResult> EventsAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        if (InvalidCanary(@namespace, name) is { } invalid)
        {
            return invalid;
        }

        var canary = await cluster.GetCanaryAsync(@namespace, name, cancellationToken);
        return canary is null ? NotFound(@namespace, name) : new ApiResult(200, await cluster.ListEventsAsync(canary, cancellationToken));
    }

    /// <summary>
    /// <c>POST .../{operation}</c>: promote, abort, retry, pause, resume, or approve (with <paramref name="gate"/>,
    /// which opens the canary's built-in gate, the one <c>/api/gates/check</c> answers for it).
    /// </summary>
    public async Task<ApiResult> OperateAsync(
        string @namespace, string name, string operation, string? gate, string? by, IRolloutScheduler scheduler, CancellationToken cancellationToken)
    {
        if (InvalidCanary(@namespace, name) is { } invalid)
        {
            return invalid;
        }

        if (!TryParseOperation(operation, out var kind))
        {
            return ApiResult.Error(404, $"unknown operation {operation}: use promote, abort, retry, pause, resume or approve");
        }

        if (kind == CanaryOperationKind.Approve && (gate is null || !Gates.Contains(gate)))
        {
            return ApiResult.Error(400, "gate must be confirm-rollout, confirm-traffic-increase or confirm-promotion");
        }

        var request = new CanaryOperation(kind, by, time.GetUtcNow(), kind == CanaryOperationKind.Approve ? gate : null);
        var canary = await cluster.GetCanaryAsync(@namespace, name, cancellationToken);
        if (canary is null)
        {
            return NotFound(@namespace, name);
        }

        if (CanaryOperations.WhyNot(kind, canary.Status) is { } reason)
        {
            return ApiResult.Error(409, reason);
        }

        if (kind == CanaryOperationKind.Approve)
        {
            await gates.OpenAsync(GateKey.Confirm(name, @namespace), cancellationToken);
        }

        // Stored before the wake-up: once this answers 202 the operation survives a lost signal, an instance
        // that was just ending, or this process dying; the next tick or sweep applies it.
        var number = await inbox.EnqueueAsync(@namespace, name, request, cancellationToken);
        await scheduler.StartOrSignalAsync(@namespace, name, RolloutSignal.Operation, cancellationToken);
        return new ApiResult(202, new AcceptedOperation(number, request.Kind, request.By, request.At, request.Detail));
    }

    /// <summary>The operations by name (case-insensitive); numbers and other enum spellings are not operations.</summary>
    public static bool TryParseOperation(string? operation, out CanaryOperationKind kind)
    {
        kind = default;
        return operation is not null && s_operations.TryGetValue(operation, out kind);
    }

    /// <summary>400 when the route's namespace or name cannot name a Kubernetes object: checked before any storage or cluster call.</summary>
    private static ApiResult? InvalidCanary(string @namespace, string name) =>
        KubernetesNames.WhyNotCanary(@namespace, name) is { } reason ? ApiResult.Error(400, reason) : null;

    private static ApiResult NotFound(string @namespace, string name) => ApiResult.Error(404, $"canary {@namespace}/{name} not found");
}
