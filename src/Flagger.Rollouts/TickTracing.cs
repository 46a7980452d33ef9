using System.Diagnostics;
using Flagger.Core.Telemetry;

namespace Flagger.Rollouts;

/// <summary>
/// The tick's trace context as it travels between the tick's activities: the W3C <c>traceparent</c> of the tick's
/// <c>flagger.tick</c> span, made by observe and handed by the orchestrator to checks and apply as plain data, so
/// the orchestrator stays deterministic (on replay it passes the same string it got from observe's recorded output).
/// </summary>
public sealed record TickTrace(string TraceParent);

/// <summary>
/// One trace per tick, across the tick's three Durable activities, which may run on different instances:
/// <list type="bullet">
/// <item>observe starts a new trace with a root <c>flagger.tick</c> span (canary, namespace) and its child
/// <c>flagger.observe</c>; it returns the tick span's context as a <see cref="TickTrace"/>;</item>
/// <item>checks and apply start <c>flagger.checks</c> and <c>flagger.apply</c> as children of that context;
/// each webhook call and metric query is a <c>flagger.check</c> below <c>flagger.checks</c>, and HTTP client spans
/// (Kubernetes API, Prometheus, webhooks) nest under whichever of ours is current.</item>
/// </list>
/// A span cannot be held open across activities, so <c>flagger.tick</c> ends with observe: the tick's own duration
/// is its trace's (first span's start to the last one's end), and each step's is on its span and in
/// <see cref="FlaggerTelemetry.StepDuration"/>. The Durable Task SDK traces its orchestration and activity
/// executions in the rollout's own trace (the one of the request that started the instance, which
/// <c>ContinueAsNew</c> keeps), so a tick's spans are not made its children, which would put a rollout's every
/// tick in one trace: each of our step spans links to the Durable activity span it runs under instead.
/// </summary>
public static class TickTracing
{
    public const string TickSpan = "flagger.tick";
    public const string ObserveSpan = "flagger.observe";
    public const string ChecksSpan = "flagger.checks";
    public const string ApplySpan = "flagger.apply";

    /// <summary>
    /// Starts the tick's trace: the tick span, a root whatever is current (the Durable activity's span, linked), open
    /// until the scope is disposed, which gives back what was current before. Tick null when nobody listens.
    /// </summary>
    public static TickScope StartTick(string @namespace, string name)
    {
        var host = Activity.Current;
        if (!FlaggerTelemetry.Source.HasListeners())
        {
            return new TickScope(null, host);
        }

        Activity.Current = null;
        var tick = FlaggerTelemetry.Source.StartActivity(TickSpan, ActivityKind.Internal, default(ActivityContext), Tags(@namespace, name), Links(host));
        if (tick is null)
        {
            Activity.Current = host;
        }

        return new TickScope(tick, host);
    }

    /// <summary>What observe hands on: the tick span's context, if it was recorded.</summary>
    public static TickTrace? Carry(Activity? tick) => tick is { Recorded: true, Id: { } id } ? new TickTrace(id) : null;

    /// <summary>A step's span under the tick's context (or under whatever is current when the tick was not traced).</summary>
    public static Activity? StartStep(string spanName, TickTrace? trace, string @namespace, string name)
    {
        if (!FlaggerTelemetry.Source.HasListeners())
        {
            return null;
        }

        var host = Activity.Current;
        if (trace is not null && ActivityContext.TryParse(trace.TraceParent, null, isRemote: true, out var parent))
        {
            return FlaggerTelemetry.Source.StartActivity(spanName, ActivityKind.Internal, parent, Tags(@namespace, name), Links(host));
        }

        return FlaggerTelemetry.Source.StartActivity(spanName, ActivityKind.Internal, default(ActivityContext), Tags(@namespace, name));
    }

    private static KeyValuePair<string, object?>[] Tags(string @namespace, string name) =>
    [
        new(FlaggerTelemetry.NamespaceAttribute, @namespace),
        new(FlaggerTelemetry.CanaryAttribute, name),
    ];

    private static ActivityLink[]? Links(Activity? host) => host is null ? null : [new ActivityLink(host.Context)];
}

/// <summary>The tick span of observe and what was current before it.</summary>
public sealed class TickScope(Activity? tick, Activity? host) : IDisposable
{
    public Activity? Tick { get; } = tick;

    public void Dispose()
    {
        if (Tick is null)
        {
            return;
        }

        Tick.Dispose();
        Activity.Current = host;
    }
}
