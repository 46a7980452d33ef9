using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Infrastructure.Registry;
using Flagger.Infrastructure.Tests.Support;
using Flagger.Testing.Kubernetes;
using Flagger.Testing.Registry;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Flagger.Infrastructure.Tests.Registry;

/// <summary>The catalog's list and image patch over real HTTP: a real strategic merge and a real 409 on a stale resourceVersion.</summary>
[Collection(FakeApiServerCollection.Name)]
public sealed class KubernetesCanaryCatalogApiServerTests(FakeApiServerFixture fixture)
{
    private readonly RecordingEventRecorder _events = new();

    private (KubernetesCanaryCatalog Catalog, string Namespace) Arrange(string? labelSelector = null, Action<Flagger.Sandbox.Kubernetes.FakeKubernetesApiServer, string>? seed = null)
    {
        var server = fixture.FreshServer();
        var ns = fixture.NewNamespace();
        V1Container[] containers =
        [
            new V1Container { Name = "podinfod", Image = "contosoacr.azurecr.io/podinfo:6.0.0", Env = [new V1EnvVar { Name = "LEVEL", Value = "info" }] },
            new V1Container { Name = "sidecar", Image = "busybox:1.36" },
        ];
        server.Seed(TestDeployments.Of(ns, "podinfo", containers));
        server.Seed(TestDeployments.Of(ns, "podinfo-primary", containers));
        server.Seed(new Canary
        {
            Metadata = new V1ObjectMeta { Name = "podinfo", NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["delivery"] = "flagger-functions" } },
            Spec = new CanarySpec { TargetRef = new LocalObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "podinfo" } },
        });
        seed?.Invoke(server, ns);
        var options = Options.Create(new RegistryOptions { WatchNamespaces = ns, LabelSelector = labelSelector });
        return (new KubernetesCanaryCatalog(server.CreateClient(), options, _events, NullLogger<KubernetesCanaryCatalog>.Instance), ns);
    }

    /// <summary>The CRD schema allows a stepWeight the model cannot hold; one such Canary must not hide the others.</summary>
    [Fact]
    public async Task ListAsync_AnUnreadableCanaryNextToAGoodOne_IsSkippedWithAWarningAndTheGoodOneIsListed()
    {
        var (catalog, ns) = Arrange(seed: (server, ns) => server.Seed(System.Text.Json.Nodes.JsonNode.Parse($$"""
            {
              "apiVersion": "flagger.app/v1beta1", "kind": "Canary",
              "metadata": { "name": "huge", "namespace": "{{ns}}", "uid": "u-huge" },
              "spec": { "targetRef": { "apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo" }, "analysis": { "stepWeight": 3000000000 } }
            }
            """)!.AsObject()));

        var targets = await catalog.ListAsync(CancellationToken.None);

        Assert.Equal("podinfo", Assert.Single(targets).Name);
        var warning = Assert.Single(_events.Events);
        Assert.Equal((ns, "huge", Flagger.Core.Analysis.EventSeverity.Error), (warning.Namespace, warning.Name, warning.Event.Severity));
        Assert.Contains("cannot be read", warning.Event.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAsync_InvalidCanary_IsBlockedNamingTheField()
    {
        // The seeded Canary has no spec.service.port.
        var (catalog, _) = Arrange();

        var target = Assert.Single(await catalog.ListAsync(CancellationToken.None));

        Assert.StartsWith("the Canary is invalid (spec.service.port", target.Blocked, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetImageAsync_StrategicMerge_ChangesOnlyThatContainersImage()
    {
        var (catalog, ns) = Arrange("delivery=flagger-functions");
        var target = Assert.Single(await catalog.ListAsync(CancellationToken.None));

        var outcome = await catalog.SetImageAsync(target, "podinfod", "contosoacr.azurecr.io/podinfo:6.0.1@sha256:abc", DateTimeOffset.UtcNow, CancellationToken.None);

        Assert.Equal(ImagePatchOutcome.Patched, outcome);
        var containers = fixture.Server.Get<V1Deployment>(ns, "podinfo")!.Spec.Template.Spec.Containers;
        Assert.Equal("contosoacr.azurecr.io/podinfo:6.0.1@sha256:abc", containers.Single(c => c.Name == "podinfod").Image);
        Assert.Equal("info", containers.Single(c => c.Name == "podinfod").Env.Single().Value);
        Assert.Equal("busybox:1.36", containers.Single(c => c.Name == "sidecar").Image);
        Assert.NotNull((await catalog.GetAsync(ns, "podinfo", CancellationToken.None))!.LastPushAt);
    }

    [Fact]
    public async Task SetImageAsync_TargetChangedSinceItWasRead_IsAConflictAndWritesNothing()
    {
        var (catalog, ns) = Arrange();
        var stale = Assert.Single(await catalog.ListAsync(CancellationToken.None));
        Assert.Equal(ImagePatchOutcome.Patched, await catalog.SetImageAsync(stale, "podinfod", "contosoacr.azurecr.io/podinfo:6.0.2", DateTimeOffset.UtcNow, CancellationToken.None));

        var outcome = await catalog.SetImageAsync(stale, "podinfod", "contosoacr.azurecr.io/podinfo:6.0.1", DateTimeOffset.UtcNow, CancellationToken.None);

        Assert.Equal(ImagePatchOutcome.Conflict, outcome);
        Assert.Equal("contosoacr.azurecr.io/podinfo:6.0.2", fixture.Server.Get<V1Deployment>(ns, "podinfo")!.Spec.Template.Spec.Containers[0].Image);
    }

    [Fact]
    public async Task ListAsync_LabelSelectorNotMatched_ListsNothing()
    {
        var (catalog, _) = Arrange("delivery=flagger");

        Assert.Empty(await catalog.ListAsync(CancellationToken.None));
    }
}
