using System.Text.Json;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;

namespace Flagger.Infrastructure.Tests.State;

/// <summary>Checkpoints and history rows with every field set, and a value comparison by JSON.</summary>
internal static class StateSamples
{
    public static readonly DateTimeOffset Now = new(2025, 11, 20, 10, 30, 15, 123, TimeSpan.Zero);

    public static CanaryStatus Status(CanaryPhase phase = CanaryPhase.Progressing, int trackedConfigs = 2) => new()
    {
        Phase = phase,
        FailedChecks = 1,
        CanaryWeight = 30,
        Iterations = 4,
        TrackedConfigs = Enumerable.Range(0, trackedConfigs).ToDictionary(
            i => $"configmap/podinfo-config-{i}",
            i => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i)))),
        LastAppliedSpec = "5d8f7c9b6",
        LastPromotedSpec = "84c7d6f5a",
        LastTransitionTime = Now.AddMinutes(-3),
        SessionAffinityCookie = "flagger-cookie-abc",
        PendingRevision = "6f7e8d9c",
        Paused = false,
        ObservedGeneration = 7,
        GateWait = new GateWait { Gate = WebhookType.ConfirmTrafficIncrease, Revision = "5d8f7c9b6", Since = Now.AddMinutes(-10) },
        Conditions =
        [
            new CanaryCondition
            {
                Type = CanaryCondition.PromotedType,
                Status = "Unknown",
                LastUpdateTime = Now,
                LastTransitionTime = Now.AddMinutes(-3),
                Reason = "Progressing",
                Message = "New revision detected, progressing canary analysis.",
            },
        ],
    };

    public static CanaryCheckpoint Checkpoint(string ns, string name, long sequence, CanaryStatus? status = null) =>
        new(ns, name, sequence, status ?? Status(), 100 - 30, 30, Now.AddSeconds(sequence))
        {
            LastStepAt = Now.AddSeconds(sequence - 1),
            AppliedOperations = sequence * 2,
            Reserved = sequence % 2 == 0,
        };

    /// <summary>Stats with every field set: two outcomes each way, a histogram over several buckets, metric values.</summary>
    public static CanaryStats Stats()
    {
        var durations = TickDurations.Empty;
        foreach (var seconds in new[] { 0.004, 0.2, 0.3, 1.5, 11.0 })
        {
            durations = durations.Observe(seconds);
        }

        return CanaryStats.Empty with
        {
            Successes = [new OutcomeCount("canary", AnalysisStatus.Completed, 4), new OutcomeCount("canary", AnalysisStatus.Skipped, 1)],
            Failures = [new OutcomeCount("ab-testing", AnalysisStatus.Completed, 2)],
            Durations = durations,
            MetricValues = new Dictionary<string, double> { ["request-success-rate"] = 99.25, ["request-duration"] = 0.125 },
            Phase = CanaryPhase.Progressing,
        };
    }

    public static HistoryEntry History(string ns, string name, long sequence, DateTimeOffset? at = null, string? message = null) =>
        new(
            ns,
            name,
            sequence,
            at ?? Now.AddSeconds(sequence),
            CanaryPhase.Progressing,
            80,
            20,
            1,
            message ?? $"Advance podinfo.test canary weight {sequence}",
            [
                new CheckResult(CheckKind.Webhook, "acceptance-test", CheckVerdict.Passed, "200 OK"),
                new CheckResult(CheckKind.Metric, "request-success-rate", CheckVerdict.Failed, "below 99", 97.5, new ThresholdRange { Min = 99 }, "sum(rate(x[1m]))"),
                new CheckResult(CheckKind.Metric, "latency", CheckVerdict.Skipped, "no data", double.NaN, new ThresholdRange { Max = 500 }),
            ],
            [new CanaryOperation(CanaryOperationKind.Pause, "ops-key", Now)]);

    private static readonly JsonSerializerOptions s_json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Records holding lists compare by reference; compare what would be stored instead.</summary>
    public static string Json<T>(T value) => JsonSerializer.Serialize(value, s_json);
}
