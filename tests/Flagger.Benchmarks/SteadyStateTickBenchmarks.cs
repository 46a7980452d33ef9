using BenchmarkDotNet.Attributes;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Workloads;

namespace Flagger.Benchmarks;

/// <summary>
/// The decision of a steady-state analysis tick: a canary at 30 % with two metrics, a rollout hook and a
/// confirm-traffic-increase gate, all passing. Measures planning (walk with every check assumed to pass)
/// and deciding from a report (the walk that produces actions and the next status).
/// </summary>
[MemoryDiagnoser]
public class SteadyStateTickBenchmarks
{
    private CanaryObservation _observation = null!;
    private CheckReport _report = null!;

    [GlobalSetup]
    public void Setup()
    {
        var canary = new Canary
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "podinfo", NamespaceProperty = "test" },
            Spec = new CanarySpec
            {
                Provider = "gatewayapi:v1",
                TargetRef = new LocalObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "podinfo" },
                Service = new CanaryService { Port = 9898, GatewayRefs = [new GatewayReference { Name = "public" }] },
                Analysis = new CanaryAnalysis
                {
                    Interval = "30s",
                    Threshold = 5,
                    StepWeight = 10,
                    MaxWeight = 50,
                    Metrics =
                    [
                        new CanaryMetric { Name = CanaryMetric.RequestSuccessRate, ThresholdRange = new ThresholdRange { Min = 99 } },
                        new CanaryMetric { Name = CanaryMetric.RequestDuration, ThresholdRange = new ThresholdRange { Max = 500 } },
                    ],
                    Webhooks =
                    [
                        new CanaryWebhook { Name = "load", Type = WebhookType.Rollout, Url = "http://loadtester/" },
                        new CanaryWebhook { Name = "gate", Type = WebhookType.ConfirmTrafficIncrease, Url = "http://loadtester/gate/approve" },
                    ],
                },
            },
            Status = new CanaryStatus
            {
                Phase = CanaryPhase.Progressing,
                CanaryWeight = 30,
                LastAppliedSpec = "rev-2",
                LastPromotedSpec = "rev-1",
                TrackedConfigs = new Dictionary<string, string> { ["configmap/podinfo-config"] = "0123456789abcdef" },
            },
        };
        var configs = new Dictionary<string, string> { ["configmap/podinfo-config"] = "0123456789abcdef" };
        _observation = new CanaryObservation(
            canary,
            new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero),
            new WorkloadObservation("rev-2", configs, Readiness.Ready, Readiness.Ready),
            RouteObservation.Ready(70, 30));

        var plan = CanaryTick.Plan(_observation).Plan!;
        _report = new CheckReport([.. plan.Stages.Select(stage => new StageResult(stage.Kind, true,
        [
            .. stage.Webhooks.Select(w => new CheckResult(CheckKind.Webhook, w.Name, CheckVerdict.Passed, "")),
            .. stage.Metrics.Select(m => new CheckResult(CheckKind.Metric, m.Name, CheckVerdict.Passed, "", 100)),
        ]))]);
    }

    [Benchmark]
    public CheckPlan? Plan() => CanaryTick.Plan(_observation).Plan;

    [Benchmark]
    public TickDecision Decide() => CanaryTick.Decide(_observation, _report);
}
