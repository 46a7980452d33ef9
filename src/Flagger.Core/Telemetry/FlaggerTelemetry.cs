using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Flagger.Core.Telemetry;

/// <summary>
/// Our own spans and instruments, both named <see cref="Name"/>: a host exports them by adding that source and
/// meter to its OpenTelemetry providers. System.Diagnostics only, so the core stays free of any exporter or SDK;
/// nothing is recorded until a listener is attached. Attribute names are a contract with dashboards: do not rename.
/// </summary>
public static class FlaggerTelemetry
{
    public const string Name = "Flagger";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);

    public const string CanaryAttribute = "flagger.canary";
    public const string NamespaceAttribute = "flagger.namespace";
    public const string PhaseAttribute = "flagger.phase";
    public const string StepAttribute = "flagger.step";
    public const string CheckKindAttribute = "flagger.check.kind";
    public const string CheckNameAttribute = "flagger.check.name";
    public const string CheckStageAttribute = "flagger.check.stage";
    public const string VerdictAttribute = "flagger.check.verdict";
    public const string ValueAttribute = "flagger.check.value";
    public const string WebhookAttribute = "flagger.webhook";
    public const string OutcomeAttribute = "flagger.outcome";

    /// <summary>Committed and idle ticks, by the phase they left the canary in.</summary>
    public static readonly Counter<long> Ticks = Meter.CreateCounter<long>("flagger.ticks", "{tick}", "Ticks that completed their apply step");

    /// <summary>Each activity of a tick (observe, checks, apply), by step and outcome (ok, error).</summary>
    public static readonly Histogram<double> StepDuration = Meter.CreateHistogram<double>("flagger.tick.step.duration", "s", "Duration of one tick activity");

    /// <summary>Webhook calls (checks, hooks, gates, event webhooks), by webhook name and outcome (passed, failed).</summary>
    public static readonly Counter<long> WebhookRequests = Meter.CreateCounter<long>("flagger.webhook.requests", "{request}", "Webhook calls");

    public static readonly Histogram<double> WebhookDuration = Meter.CreateHistogram<double>("flagger.webhook.duration", "s", "Duration of one webhook call, retries included");

    /// <summary>Registry webhook deliveries, by outcome (the HTTP status answered).</summary>
    public static readonly Counter<long> RegistryRequests = Meter.CreateCounter<long>("flagger.registry.requests", "{request}", "Registry webhook deliveries");

    public static readonly Histogram<double> RegistryDuration = Meter.CreateHistogram<double>("flagger.registry.duration", "s", "Duration of one registry webhook delivery");

    /// <summary>Marks a span failed with the exception's type only: messages of adapters can carry URLs.</summary>
    public static void RecordFailure(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error);
        activity.SetTag("error.type", exception.GetType().FullName);
    }
}
