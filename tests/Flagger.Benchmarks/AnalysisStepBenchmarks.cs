using BenchmarkDotNet.Attributes;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Infrastructure.Kubernetes;
using Flagger.Infrastructure.Prometheus;
using Flagger.Infrastructure.Webhooks;
using Flagger.Sandbox.Prometheus;
using Flagger.Testing.Http;
using Flagger.Testing.Prometheus;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Flagger.Benchmarks;

/// <summary>
/// One analysis step as the checks activity runs it: two rollout webhooks against a local HTTP receiver,
/// then the two builtin metrics against a real Prometheus (remote-written samples), through the real adapters.
/// </summary>
[MemoryDiagnoser]
public class AnalysisStepBenchmarks
{
    private PrometheusServer _prometheus = null!;
    private HttpReceiver _hooks = null!;
    private ServiceProvider _services = null!;
    private CheckRunner _runner = null!;
    private Canary _canary = null!;
    private CheckPlan _plan = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _prometheus = await PrometheusServer.StartAsync(CancellationToken.None);
        await _prometheus.PushAsync(HttpTraffic.Pod("bench", "podinfo-7d9c8b6f5-x2x4z", ok: 100, errors: 0, seconds: 0.2));
        _hooks = await HttpReceiver.StartAsync();

        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Prometheus:Address"] = _prometheus.Address.ToString() })
            .Build();
        _services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddSingleton<IClusterResources, NoClusterResources>()
            .AddPrometheusMetrics()
            .AddWebhooks()
            .BuildServiceProvider();
        _runner = new CheckRunner(_services.GetRequiredService<IWebhookClient>(), _services.GetRequiredService<IMetricProvider>());

        CanaryWebhook[] hooks =
        [
            new() { Name = "load-test", Type = WebhookType.Rollout, Url = _hooks.Url("/load-test").ToString() },
            new() { Name = "acceptance", Type = WebhookType.Rollout, Url = _hooks.Url("/acceptance").ToString() },
        ];
        CanaryMetric[] metrics =
        [
            new() { Name = CanaryMetric.RequestSuccessRate, ThresholdRange = new ThresholdRange { Min = 99 }, Interval = "5m" },
            new() { Name = CanaryMetric.RequestDuration, ThresholdRange = new ThresholdRange { Max = 500 }, Interval = "5m" },
        ];
        _canary = new Canary
        {
            Metadata = new V1ObjectMeta { Name = "podinfo", NamespaceProperty = "bench" },
            Spec = new CanarySpec
            {
                Provider = "gatewayapi:v1",
                TargetRef = new LocalObjectReference { Kind = "Deployment", Name = "podinfo" },
                Analysis = new CanaryAnalysis { Metrics = metrics, Webhooks = hooks },
            },
            Status = new CanaryStatus { Phase = CanaryPhase.Progressing, CanaryWeight = 20 },
        };
        _plan = new CheckPlan([new CheckStage(CheckStageKind.Analysis, CanaryPhase.Progressing, hooks, metrics)]);

        var report = await _runner.RunAsync(_canary, _plan, CancellationToken.None);
        if (!report.Stages.Single().Passed || report.Stages.Single().Results.Count != 4)
        {
            throw new InvalidOperationException("the analysis step does not pass: " + string.Join("; ", report.Stages.Single().Results.Select(r => r.Message)));
        }
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _services.DisposeAsync();
        await _hooks.DisposeAsync();
        await _prometheus.DisposeAsync();
    }

    [Benchmark]
    public Task<CheckReport> AnalysisStep() => _runner.RunAsync(_canary, _plan, CancellationToken.None);

    private sealed class NoClusterResources : IClusterResources
    {
        public Task<MetricTemplate?> GetMetricTemplateAsync(string @namespace, string name, CancellationToken cancellationToken) => Task.FromResult<MetricTemplate?>(null);

        public Task<AlertProvider?> GetAlertProviderAsync(string @namespace, string name, CancellationToken cancellationToken) => Task.FromResult<AlertProvider?>(null);

        public Task<V1Secret?> GetSecretAsync(string @namespace, string name, CancellationToken cancellationToken) => Task.FromResult<V1Secret?>(null);
    }
}
