using System.Security.Cryptography;
using System.Text;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Core.Telemetry;

namespace Flagger.Core.Analysis;

/// <summary>
/// Runs a tick's check plan in order, with Flagger's early stop: the "checks" step of a tick. Each webhook call and
/// metric query is a <c>flagger.check</c> span (canary, namespace, kind, name, stage, verdict, value) under the
/// current one, so its HTTP request nests below it.
/// </summary>
public sealed class CheckRunner(IWebhookClient webhooks, IMetricProvider metrics)
{
    public async Task<CheckReport> RunAsync(Canary canary, CheckPlan plan, CancellationToken cancellationToken)
    {
        var stages = new List<StageResult>(plan.Stages.Count);
        foreach (var stage in plan.Stages)
        {
            var result = stage.Kind switch
            {
                CheckStageKind.ProviderAvailability => await CheckProvidersAsync(canary, stage, cancellationToken),
                CheckStageKind.Rollback => await RunRollbackHooksAsync(canary, stage, cancellationToken),
                _ => await RunUntilFailureAsync(canary, stage, cancellationToken),
            };
            stages.Add(result);
            if (!result.Passed)
            {
                break;
            }
        }

        return new CheckReport(stages);
    }

    private async Task<StageResult> CheckProvidersAsync(Canary canary, CheckStage stage, CancellationToken cancellationToken)
    {
        var results = new List<CheckResult>();
        foreach (var metric in stage.Metrics)
        {
            results.Add(await TraceAsync(canary, stage, CheckKind.Provider, metric.Name, () => metrics.CheckAvailabilityAsync(canary, metric, cancellationToken)));
        }

        // An unavailable provider is reported, never blocking (spec §2.4 step 7).
        return new StageResult(stage.Kind, true, results);
    }

    private async Task<StageResult> RunRollbackHooksAsync(Canary canary, CheckStage stage, CancellationToken cancellationToken)
    {
        var results = new List<CheckResult>();
        foreach (var hook in stage.Webhooks)
        {
            var result = await TraceAsync(canary, stage, CheckKind.Webhook, hook.Name, async () =>
                (await CallAsync(canary, stage, hook, cancellationToken)).Succeeded
                    ? new CheckResult(CheckKind.Webhook, hook.Name, CheckVerdict.Failed, "rollback hook signalled a rollback")
                    : new CheckResult(CheckKind.Webhook, hook.Name, CheckVerdict.Passed, $"Rollback hook {hook.Name} not signaling a rollback"));
            results.Add(result);
            if (!result.Passed)
            {
                return new StageResult(stage.Kind, false, results);
            }
        }

        return new StageResult(stage.Kind, true, results);
    }

    private async Task<StageResult> RunUntilFailureAsync(Canary canary, CheckStage stage, CancellationToken cancellationToken)
    {
        var results = new List<CheckResult>();
        foreach (var hook in stage.Webhooks)
        {
            var result = await TraceAsync(canary, stage, CheckKind.Webhook, hook.Name, async () =>
            {
                var answer = await CallAsync(canary, stage, hook, cancellationToken);
                return new CheckResult(CheckKind.Webhook, hook.Name, answer.Succeeded ? CheckVerdict.Passed : CheckVerdict.Failed, answer.Message);
            });
            results.Add(result);
            if (!result.Passed)
            {
                return new StageResult(stage.Kind, false, results);
            }
        }

        foreach (var metric in stage.Metrics)
        {
            var result = await TraceAsync(canary, stage, CheckKind.Metric, metric.Name, async () =>
                MetricEvaluation.Evaluate(canary, metric, await metrics.MeasureAsync(canary, metric, cancellationToken)));
            results.Add(result);
            if (!result.Passed)
            {
                return new StageResult(stage.Kind, false, results);
            }
        }

        return new StageResult(stage.Kind, true, results);
    }

    private static async Task<CheckResult> TraceAsync(Canary canary, CheckStage stage, CheckKind kind, string name, Func<Task<CheckResult>> check)
    {
        using var span = FlaggerTelemetry.Source.StartActivity("flagger.check");
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag(FlaggerTelemetry.CanaryAttribute, canary.Metadata.Name);
            span.SetTag(FlaggerTelemetry.NamespaceAttribute, canary.Metadata.NamespaceProperty);
            span.SetTag(FlaggerTelemetry.CheckKindAttribute, kind.ToString());
            span.SetTag(FlaggerTelemetry.CheckNameAttribute, name);
            span.SetTag(FlaggerTelemetry.CheckStageAttribute, stage.Kind.ToString());
        }

        try
        {
            var result = await check();
            if (span is { IsAllDataRequested: true })
            {
                span.SetTag(FlaggerTelemetry.VerdictAttribute, result.Verdict.ToString());
                if (result.Value is { } value && !double.IsNaN(value))
                {
                    span.SetTag(FlaggerTelemetry.ValueAttribute, value);
                }
            }

            return result;
        }
        catch (Exception exception)
        {
            FlaggerTelemetry.RecordFailure(span, exception);
            throw;
        }
    }

    private Task<WebhookResult> CallAsync(Canary canary, CheckStage stage, CanaryWebhook hook, CancellationToken cancellationToken) =>
        webhooks.CallAsync(hook, Payload(canary, stage.PayloadPhase, hook), cancellationToken);

    internal static WebhookPayload Payload(Canary canary, CanaryPhase? phase, CanaryWebhook hook) =>
        new(canary.Metadata.Name, canary.Metadata.NamespaceProperty, phase?.ToString() ?? "",
            Checksum(canary.Status), hook.Metadata is { Count: > 0 } metadata ? new Dictionary<string, string>(metadata) : null);

    /// <summary>Changes whenever the revision under analysis or its tracked configs change (spec §2.13).</summary>
    public static string Checksum(CanaryStatus? status)
    {
        var text = new StringBuilder(status?.LastAppliedSpec ?? "");
        foreach (var (key, value) in (status?.TrackedConfigs ?? new Dictionary<string, string>()).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.Append('\n').Append(key).Append('=').Append(value);
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }
}
