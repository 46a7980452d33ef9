using System.Text.Json;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Infrastructure.Tests.Support;
using Flagger.Testing.Http;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Flagger.Infrastructure.Tests.Webhooks;

/// <summary>The engine's check runner with the real webhook client: what each hook type receives, per phase.</summary>
public sealed class HookPayloadTests(ReceiverFixture fixture) : IClassFixture<ReceiverFixture>
{
    private readonly HttpReceiver _receiver = fixture.Receiver;

    [Theory]
    [InlineData(CheckStageKind.ConfirmRollout, WebhookType.ConfirmRollout, CanaryPhase.Waiting)]
    [InlineData(CheckStageKind.ConfirmRollout, WebhookType.ConfirmRollout, CanaryPhase.Succeeded)]
    [InlineData(CheckStageKind.PreRollout, WebhookType.PreRollout, CanaryPhase.Progressing)]
    [InlineData(CheckStageKind.Analysis, WebhookType.Rollout, CanaryPhase.Progressing)]
    [InlineData(CheckStageKind.ConfirmTrafficIncrease, WebhookType.ConfirmTrafficIncrease, CanaryPhase.Progressing)]
    [InlineData(CheckStageKind.ConfirmPromotion, WebhookType.ConfirmPromotion, CanaryPhase.Progressing)]
    [InlineData(CheckStageKind.Rollback, WebhookType.Rollback, CanaryPhase.WaitingPromotion)]
    public async Task RunAsync_HookType_PostsFlaggerPayloadWithStagePhase(CheckStageKind stage, string type, CanaryPhase phase)
    {
        var path = $"/payload/{type}/{phase}";
        var hook = new CanaryWebhook { Name = type, Type = type, Url = _receiver.Url(path).ToString(), Metadata = new Dictionary<string, string> { ["type"] = "bash" } };
        var canary = TestServices.Canary(status: new CanaryStatus { Phase = phase, LastAppliedSpec = "rev-1" });
        await using var services = TestServices.Build();
        var runner = new CheckRunner(services.GetRequiredService<IWebhookClient>(), new NoMetrics());

        await runner.RunAsync(canary, new CheckPlan([new CheckStage(stage, phase, [hook], [])]), CancellationToken.None);

        using var json = JsonDocument.Parse(Assert.Single(_receiver.RequestsTo(path)).Body);
        var root = json.RootElement;
        Assert.Equal("podinfo", root.GetProperty("name").GetString());
        Assert.Equal("test", root.GetProperty("namespace").GetString());
        Assert.Equal(phase.ToString(), root.GetProperty("phase").GetString());
        Assert.Equal(CheckRunner.Checksum(canary.Status), root.GetProperty("checksum").GetString());
        Assert.Equal("bash", root.GetProperty("metadata").GetProperty("type").GetString());
    }

    [Theory]
    [InlineData(CanaryPhase.Succeeded)]
    [InlineData(CanaryPhase.Failed)]
    public async Task ApplyAsync_PostRolloutHook_PostsFinalPhase(CanaryPhase phase)
    {
        var path = $"/payload/post-rollout/{phase}";
        var hook = new CanaryWebhook { Name = "post", Type = WebhookType.PostRollout, Url = _receiver.Url(path).ToString() };
        var canary = TestServices.Canary(analysis: new CanaryAnalysis { Webhooks = [hook] }, status: new CanaryStatus { Phase = CanaryPhase.Finalising });
        await using var services = TestServices.Build();
        var webhooks = services.GetRequiredService<IWebhookClient>();
        var applier = new DecisionApplier(null!, null!, webhooks, new NoEvents(), null!);
        var decision = new TickDecision([new RunPostRolloutHooks(phase)], null, new CheckReport([]), "");

        await applier.ApplyAsync(new CanaryObservation(canary, DateTimeOffset.UtcNow, WorkloadObservation.Unusable("n/a"), RouteObservation.NotSynced), decision, CancellationToken.None);

        using var json = JsonDocument.Parse(Assert.Single(_receiver.RequestsTo(path)).Body);
        Assert.Equal(phase.ToString(), json.RootElement.GetProperty("phase").GetString());
        Assert.False(json.RootElement.TryGetProperty("metadata", out _));
    }

    [Fact]
    public async Task RunAsync_AnalysisStepWithTwoRolloutHooks_CallsBothInOrderAndPasses()
    {
        var hooks = new[] { "/step/load-test", "/step/acceptance" }
            .Select(p => new CanaryWebhook { Name = p, Type = WebhookType.Rollout, Url = _receiver.Url(p).ToString() })
            .ToList();
        var canary = TestServices.Canary(status: new CanaryStatus { Phase = CanaryPhase.Progressing });
        var plan = new CheckPlan([new CheckStage(CheckStageKind.Analysis, CanaryPhase.Progressing, hooks, [])]);
        await using var services = TestServices.Build();
        var runner = new CheckRunner(services.GetRequiredService<IWebhookClient>(), new NoMetrics());

        var report = await runner.RunAsync(canary, plan, CancellationToken.None);

        Assert.True(report.Stages.Single().Passed);
        Assert.Equal(["/step/load-test", "/step/acceptance"], report.Stages.Single().Results.Select(r => r.Name));
        Assert.Single(_receiver.RequestsTo("/step/load-test"));
        Assert.Single(_receiver.RequestsTo("/step/acceptance"));
    }

    [Fact]
    public async Task RunAsync_FailingRolloutHook_CarriesBodyIntoTheCheckAndStops()
    {
        _receiver.Answer("/step/failing", new ReceiverAnswer(500, "load test failed: p99 2s"));
        var hooks = new[] { "/step/failing", "/step/never" }
            .Select(p => new CanaryWebhook { Name = p.Trim('/'), Url = _receiver.Url(p).ToString() })
            .ToList();
        await using var services = TestServices.Build();
        var runner = new CheckRunner(services.GetRequiredService<IWebhookClient>(), new NoMetrics());

        var report = await runner.RunAsync(
            TestServices.Canary(), new CheckPlan([new CheckStage(CheckStageKind.Analysis, CanaryPhase.Progressing, hooks, [])]), CancellationToken.None);

        var failed = Assert.Single(report.Stages.Single().Results);
        Assert.Equal(CheckVerdict.Failed, failed.Verdict);
        Assert.EndsWith("500 Internal Server Error: load test failed: p99 2s", failed.Message, StringComparison.Ordinal);
        Assert.Empty(_receiver.RequestsTo("/step/never"));
    }

    private sealed class NoMetrics : IMetricProvider
    {
        public Task<MetricMeasurement> MeasureAsync(Canary canary, CanaryMetric metric, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("no metrics in webhook tests");

        public Task<CheckResult> CheckAvailabilityAsync(Canary canary, CanaryMetric metric, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("no metrics in webhook tests");
    }

    private sealed class NoEvents : IEventRecorder
    {
        public Task RecordAsync(Canary canary, RecordEvent canaryEvent, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
