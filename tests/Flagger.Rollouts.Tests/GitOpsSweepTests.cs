using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Core.Workloads;
using Flagger.Infrastructure.Kubernetes;
using Flagger.Infrastructure.Registry;
using Flagger.Infrastructure.State;
using Flagger.Sandbox;
using Flagger.Sandbox.Kubernetes;
using Flagger.Testing.Canaries;
using Flagger.Testing.Kubernetes;
using Flagger.Testing.Registry;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Flagger.Rollouts.Tests;

/// <summary>
/// A Flux-managed target over the fake API server, with the real catalog, cluster adapter, webhook and sweep:
/// the push leaves it alone, and Flux applying the Git change (the new image in the pod template) is what
/// the sweep finds and starts, as Flagger's polling does.
/// </summary>
public sealed class GitOpsSweepTests
{
    private const string Ns = "test";
    private const string Repo = "contosoacr.azurecr.io/podinfo";

    [Fact]
    public async Task FluxManagedTarget_APushLeavesItAlone_TheSweepStartsTheRolloutOnceFluxAppliesTheGitChange()
    {
        await using var server = await FakeKubernetesApiServer.StartAsync();
        var client = server.CreateClient();
        var target = TestDeployments.Of(Ns, "podinfo", new V1Container { Name = "podinfod", Image = Repo + ":6.0.0" });
        target.Metadata.Labels = new Dictionary<string, string>
        {
            ["kustomize.toolkit.fluxcd.io/name"] = "apps",
            ["kustomize.toolkit.fluxcd.io/namespace"] = "flux-system",
        };
        server.Seed(target);
        server.Seed(TestDeployments.Of(Ns, "podinfo-primary", new V1Container { Name = "podinfod", Image = Repo + ":6.0.0" }));
        var promoted = PodTemplateHash.Compute(server.Get<V1Deployment>(Ns, "podinfo")!.Spec.Template);
        server.Seed(new Canary
        {
            Metadata = new V1ObjectMeta { Name = "podinfo", NamespaceProperty = Ns },
            Spec = new CanarySpec
            {
                TargetRef = new LocalObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "podinfo" },
                Service = new CanaryService { Port = 9898, GatewayRefs = [new GatewayReference { Name = "public", Namespace = "gateway-system" }] },
                Analysis = new CanaryAnalysis { Interval = "1m", Threshold = 5, StepWeight = 10, MaxWeight = 50 },
            },
            Status = new CanaryStatus { Phase = CanaryPhase.Succeeded, LastAppliedSpec = promoted, LastPromotedSpec = promoted },
        });

        var options = Options.Create(new RegistryOptions { WatchNamespaces = Ns });
        var events = new KubernetesEventRecorder(client, TimeProvider.System, NullLogger<KubernetesEventRecorder>.Instance);
        var catalog = new KubernetesCanaryCatalog(client, options, events, NullLogger<KubernetesCanaryCatalog>.Instance);
        var scheduler = new RecordingRolloutScheduler();
        var (store, inbox) = (new InMemoryRolloutStore(), new InMemoryOperationInbox());
        var webhook = new RegistryWebhook(catalog, scheduler, store, options, TimeProvider.System, NullLogger<RegistryWebhook>.Instance);
        var sweep = new CanarySweep(
            catalog, new KubernetesCanaryCluster(client), store, inbox, new SeparateTickStateReader(store, inbox), Options.Create(new StateStoreOptions()), TimeProvider.System);
        // For its Durable client only: no instance of this canary runs, so the sweep looks at the target.
        await using var durable = await RolloutHost.StartAsync(new InMemoryWorld(Podinfo.Canary().Build()));

        var push = await webhook.HandleAsync(
            new RegistryRequest("POST", new Dictionary<string, string> { ["Content-Type"] = "application/json" }, System.Text.Encoding.UTF8.GetBytes(RegistryPush.EventGridEvent("podinfo", "6.0.1"))),
            CancellationToken.None);
        var beforeGit = await sweep.RunAsync(durable.Client, scheduler, CancellationToken.None);

        Assert.Equal(CanaryOutcome.GitOpsManaged, Assert.Single(Assert.Single(RegistryReport.FromJson(push.Body!).Events).Canaries).Outcome);
        Assert.Equal(Repo + ":6.0.0", server.Get<V1Deployment>(Ns, "podinfo")!.Spec.Template.Spec.Containers[0].Image);
        Assert.Empty(beforeGit.Started);
        Assert.Empty(scheduler.Signals);

        // Flux image automation commits the tag; kustomize-controller applies the manifest from Git.
        var fromGit = server.Get<V1Deployment>(Ns, "podinfo")!;
        fromGit.Spec.Template.Spec.Containers[0].Image = Repo + ":6.0.1";
        await client.AppsV1.ReplaceNamespacedDeploymentAsync(fromGit, "podinfo", Ns);
        var afterGit = await sweep.RunAsync(durable.Client, scheduler, CancellationToken.None);

        Assert.Equal(["test/podinfo"], afterGit.Started);
        Assert.Equal([new ScheduledSignal(Ns, "podinfo", RolloutSignal.Resync)], scheduler.Signals);
    }
}
