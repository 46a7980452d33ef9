using System.Text.Json.Nodes;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Core.Workloads;
using Flagger.Infrastructure.GatewayApi;
using Flagger.Infrastructure.Kubernetes;
using Flagger.Infrastructure.Tests.Support;
using Flagger.Sandbox.Kubernetes;
using Flagger.Testing.Canaries;
using Flagger.Testing.Kubernetes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flagger.Infrastructure.Tests.Kubernetes;

/// <summary>
/// Adoption from Flagger over HTTP: the real KubernetesClient and adapters read a Canary whose status Flagger
/// 1.44 wrote, and the Deployments and ConfigMaps it left, from the fake API server (Fixtures/flagger-1.44-succeeded.yaml).
/// </summary>
[Collection(FakeApiServerCollection.Name)]
public sealed class KubernetesAdoptionTests(FakeApiServerFixture fixture) : IMetricProvider, IWebhookClient, INotifier
{
    private readonly FakeKubernetesApiServer _server = fixture.FreshServer();
    private readonly string _ns = fixture.NewNamespace();
    private readonly List<string> _hooks = [];
    private readonly List<SendAlert> _alerts = [];

    /// <summary>Seeds the fixture's objects into a namespace of this test's own, each changed first by <paramref name="change"/>.</summary>
    private CanaryTickRunner Seed(Action<JsonObject>? change = null)
    {
        foreach (var document in FlaggerFixture.Load("flagger-1.44-succeeded.yaml").Documents)
        {
            document["metadata"]!["namespace"] = _ns;
            change?.Invoke(document);
            _server.Seed(document);
        }

        var client = _server.CreateClient(TimeSpan.FromSeconds(5));
        return new CanaryTickRunner(
            new KubernetesCanaryCluster(client), new GatewayApiRouter(client), this, this,
            new KubernetesEventRecorder(client, TimeProvider.System, NullLogger<KubernetesEventRecorder>.Instance), this);
    }

    private static void Change(JsonObject document, string kind, string name, Action<JsonObject> change)
    {
        if ((string?)document["kind"] == kind && (string?)document["metadata"]!["name"] == name)
        {
            change(document);
        }
    }

    private Task<TickDecision?> TickAsync(CanaryTickRunner runner, bool firstSeen) =>
        runner.RunAsync(_ns, "podinfo", DateTimeOffset.UtcNow, firstSeen: firstSeen);

    private Canary Canary => _server.Get<Canary>(_ns, "podinfo")!;

    private V1Deployment Deployment(string name) => _server.Get<V1Deployment>(_ns, name)!;

    private List<JsonObject> Events => [.. _server.List("v1", "Event", _ns)];

    [Fact]
    public async Task FlaggerSucceeded_IsAdopted_StatusRewrittenInOurHashes_OneNormalEvent_NothingElseTouched()
    {
        var runner = Seed();
        var primaryBefore = Deployment("podinfo-primary");

        await TickAsync(runner, firstSeen: true);

        var status = Canary.Status!;
        var target = Deployment("podinfo");
        var revision = PodTemplateHash.Compute(target.Spec.Template);
        Assert.Equal(CanaryPhase.Succeeded, status.Phase);
        Assert.Equal(revision, status.LastAppliedSpec);
        Assert.Equal(revision, status.LastPromotedSpec);
        Assert.Equal(
            ConfigChecksum.Compute(_server.Get<V1ConfigMap>(_ns, "podinfo-config")!),
            Assert.Single(status.TrackedConfigs!, c => c.Key == "configmap/podinfo-config").Value);
        Assert.False(FlaggerAdoption.IsFlaggerStatus(status));
        var adopted = Assert.Single(Events);
        Assert.Equal("Normal", (string?)adopted["type"]);
        Assert.Equal(
            $"Adopted podinfo.{_ns} from Flagger: podinfo-primary.{_ns} runs the revision of podinfo.{_ns}, taken as promoted (Succeeded kept, no analysis)",
            (string?)adopted["message"]);
        Assert.Equal(0, target.Spec.Replicas);
        var primary = Deployment("podinfo-primary");
        Assert.Equal(primaryBefore.Metadata.Generation, primary.Metadata.Generation);
        Assert.Equal(KubernetesJson.Serialize(primaryBefore.Spec.Template), KubernetesJson.Serialize(primary.Spec.Template));
        Assert.Equal("0d4a6a3e-6f0f-4c52-9a5e-8f1f3b2c7d91", primary.Spec.Template.Metadata.Annotations[PrimaryDeployment.FlaggerIdAnnotation]);
        Assert.Empty(_hooks);
        Assert.Empty(_alerts);

        await TickAsync(runner, firstSeen: false);

        Assert.Single(Events);
        Assert.Equal(CanaryPhase.Succeeded, Canary.Status!.Phase);
    }

    [Fact]
    public async Task FlaggerSucceeded_TargetChangedSinceFlagger_IsNotTakenAsPromoted_ItsRevisionRuns()
    {
        var runner = Seed(d => Change(d, "Deployment", "podinfo",
            t => t["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "ghcr.io/stefanprodan/podinfo:6.2.0"));

        await TickAsync(runner, firstSeen: true);
        for (var i = 0; i < 20 && Canary.Status!.Phase != CanaryPhase.Progressing; i++)
        {
            await TickAsync(runner, firstSeen: false);
        }

        Assert.Equal(CanaryPhase.Progressing, Canary.Status!.Phase);
        Assert.Contains(Events, e => (string?)e["message"] == $"Adopted podinfo.{_ns} from Flagger: podinfo.{_ns} differs from podinfo-primary.{_ns}, so its revision runs the analysis");
        Assert.Contains(_alerts, a => a.Message == "New revision detected, progressing canary analysis.");
        Assert.Equal(PodTemplateHash.Compute(Deployment("podinfo").Spec.Template), Canary.Status!.LastAppliedSpec);
    }

    [Fact]
    public async Task FlaggerSucceeded_PrimaryConfigCopyDiffers_IsNotTakenAsPromoted()
    {
        var runner = Seed(d => Change(d, "ConfigMap", "podinfo-config-primary", c => c["data"]!["PODINFO_UI_COLOR"] = "#ff0000"));

        await TickAsync(runner, firstSeen: true);

        Assert.Contains(Events, e => ((string?)e["message"])!.Contains("differs from podinfo-primary", StringComparison.Ordinal));
        Assert.NotEqual(Canary.Status!.LastPromotedSpec, PodTemplateHash.Compute(Deployment("podinfo").Spec.Template));
    }

    Task<MetricMeasurement> IMetricProvider.MeasureAsync(Canary canary, CanaryMetric metric, CancellationToken cancellationToken) =>
        Task.FromResult(MetricMeasurement.Of(100));

    Task<CheckResult> IMetricProvider.CheckAvailabilityAsync(Canary canary, CanaryMetric metric, CancellationToken cancellationToken) =>
        Task.FromResult(new CheckResult(CheckKind.Provider, metric.Name, CheckVerdict.Passed, "online"));

    Task<WebhookResult> IWebhookClient.CallAsync(CanaryWebhook webhook, WebhookPayload payload, CancellationToken cancellationToken)
    {
        _hooks.Add(webhook.Name);
        return Task.FromResult(WebhookResult.Success());
    }

    Task INotifier.NotifyAsync(Canary canary, SendAlert alert, CancellationToken cancellationToken)
    {
        _alerts.Add(alert);
        return Task.CompletedTask;
    }
}
