using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Infrastructure.GatewayApi;
using Flagger.Infrastructure.Kubernetes;
using Flagger.Sandbox.Kubernetes;
using Flagger.Testing.Canaries;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flagger.Infrastructure.Tests.Kubernetes;

/// <summary>
/// The real tick with the real Kubernetes adapters over the fake API server; metrics, webhooks and alerts
/// are answered in memory (they have their own tests against real servers).
/// </summary>
internal sealed class ClusterRollout : IMetricProvider, IWebhookClient, INotifier
{
    private readonly CanaryTickRunner _runner;

    public ClusterRollout(FakeKubernetesApiServer server, string ns, string provider = "gatewayapi:v1", Action<Canary>? change = null)
    {
        Server = server;
        Namespace = ns;
        var client = server.CreateClient(TimeSpan.FromSeconds(5));
        Cluster = new KubernetesCanaryCluster(client);
        Router = new GatewayApiRouter(client);
        _runner = new CanaryTickRunner(Cluster, Router, this, this, new KubernetesEventRecorder(client, TimeProvider.System, NullLogger<KubernetesEventRecorder>.Instance), this);

        server.Seed(new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = new V1ObjectMeta { Name = "podinfo-config", NamespaceProperty = ns },
            Data = new Dictionary<string, string> { ["PODINFO_UI_COLOR"] = "#34577c" },
        });
        server.Seed(Target(ns, "podinfo:1.0.0"));
        var canary = new Canary
        {
            Metadata = new V1ObjectMeta { Name = "podinfo", NamespaceProperty = ns },
            Spec = new CanarySpec
            {
                Provider = provider,
                TargetRef = new LocalObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "podinfo" },
                ProgressDeadlineSeconds = 60,
                Service = new CanaryService { Port = 9898, Hosts = ["podinfo.example.com"], GatewayRefs = [new GatewayReference { Name = "public", Namespace = "gateway-system" }] },
                Analysis = new CanaryAnalysis
                {
                    Interval = "10s",
                    Threshold = 2,
                    StepWeight = 25,
                    MaxWeight = 50,
                    Metrics = [new CanaryMetric { Name = CanaryMetric.RequestSuccessRate, ThresholdRange = new ThresholdRange { Min = 99 } }],
                },
            },
        };
        change?.Invoke(canary);
        server.Seed(canary);
    }

    public FakeKubernetesApiServer Server { get; }

    public string Namespace { get; }

    public KubernetesCanaryCluster Cluster { get; }

    public GatewayApiRouter Router { get; }

    public double SuccessRate { get; set; } = 100;

    public List<SendAlert> Alerts { get; } = [];

    public Canary Canary => Server.Get<Canary>(Namespace, "podinfo")!;

    public CanaryPhase? Phase => Canary.Status?.Phase;

    public V1Deployment Deployment(string name) => Server.Get<V1Deployment>(Namespace, name)!;

    public static V1Deployment Target(string ns, string image) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = new V1ObjectMeta { Name = "podinfo", NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["app"] = "podinfo" } },
        Spec = new V1DeploymentSpec
        {
            Replicas = 2,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "podinfo" } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "podinfo" } },
                Spec = new V1PodSpec
                {
                    Containers =
                    [
                        new V1Container
                        {
                            Name = "podinfod",
                            Image = image,
                            EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "podinfo-config" } }],
                        },
                    ],
                },
            },
        },
    };

    public async Task<TickDecision> TickAsync() =>
        await _runner.RunAsync(Namespace, "podinfo", DateTimeOffset.UtcNow) ?? throw new InvalidOperationException("canary vanished");

    public async Task<int> TickUntilAsync(CanaryPhase phase, int limit = 30)
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

    public void SetImage(string image)
    {
        var target = Deployment("podinfo");
        target.Spec.Template.Spec.Containers[0].Image = image;
        Server.Seed(target);
    }

    public Task<MetricMeasurement> MeasureAsync(Canary canary, CanaryMetric metric, CancellationToken cancellationToken) =>
        Task.FromResult(MetricMeasurement.Of(SuccessRate));

    public Task<CheckResult> CheckAvailabilityAsync(Canary canary, CanaryMetric metric, CancellationToken cancellationToken) =>
        Task.FromResult(new CheckResult(CheckKind.Provider, metric.Name, CheckVerdict.Passed, "online"));

    public Task<WebhookResult> CallAsync(CanaryWebhook webhook, WebhookPayload payload, CancellationToken cancellationToken) =>
        Task.FromResult(WebhookResult.Success());

    public Task NotifyAsync(Canary canary, SendAlert alert, CancellationToken cancellationToken)
    {
        Alerts.Add(alert);
        return Task.CompletedTask;
    }
}
