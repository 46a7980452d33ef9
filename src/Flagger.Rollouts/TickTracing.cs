using System.Diagnostics;
using Flagger.Core.Telemetry;

namespace Flagger.Rollouts;

/// <summary>
/// One trace per tick: the tick activity starts a root <c>flagger.tick</c> span (canary, namespace, the phase it
/// ends in) with <c>flagger.observe</c>, <c>flagger.checks</c> and <c>flagger.apply</c> below it; each webhook call
/// and metric query is a <c>flagger.check</c> below <c>flagger.checks</c>, and HTTP client spans (Kubernetes API,
/// Prometheus, webhooks) nest under whichever of ours is current. The Durable Task SDK traces its orchestration
/// and activity executions in the rollout's own trace (the one of the request that started the instance, which
/// <c>ContinueAsNew</c> keeps), so the tick is not made a child of the activity's span, which would put a rollout's
/// every tick in one trace: it links to it instead.
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

    /// <summary>A part of the tick (observe, checks, apply) as a child of the current span; null when nobody listens.</summary>
    public static Activity? StartStep(string spanName, string @namespace, string name) =>
        FlaggerTelemetry.Source.HasListeners()
            ? FlaggerTelemetry.Source.StartActivity(spanName, ActivityKind.Internal, default(ActivityContext), Tags(@namespace, name))
            : null;

    private static KeyValuePair<string, object?>[] Tags(string @namespace, string name) =>
    [
        new(FlaggerTelemetry.NamespaceAttribute, @namespace),
        new(FlaggerTelemetry.CanaryAttribute, name),
    ];

    private static ActivityLink[]? Links(Activity? host) => host is null ? null : [new ActivityLink(host.Context)];
}

/// <summary>The tick's span and what was current before it.</summary>
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
