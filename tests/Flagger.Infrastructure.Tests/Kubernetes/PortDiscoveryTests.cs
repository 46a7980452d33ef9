using Flagger.Core.Model;
using Flagger.Infrastructure.Tests.Support;
using Flagger.Testing.Kubernetes;
using k8s.Models;

namespace Flagger.Infrastructure.Tests.Kubernetes;

/// <summary>
/// <c>spec.service.portDiscovery</c> over the real adapters and the fake API server: Flagger's
/// <c>TestScheduler_DeploymentPortDiscovery</c>, <c>…TargetPortNumber</c> and <c>…TargetPortName</c> with
/// the container ports of Flagger's fixture (<c>http</c> 9898, <c>http-metrics</c> 8080, an unnamed 8888).
/// </summary>
[Collection(FakeApiServerCollection.Name)]
public sealed class PortDiscoveryTests(FakeApiServerFixture fixture)
{
    private static readonly string[] s_services = ["podinfo", "podinfo-primary", "podinfo-canary"];

    [Fact]
    public async Task PortDiscovery_EveryContainerPortBesidesTheServicePort_IsAddedToTheThreeServices()
    {
        var rollout = Rollout(service => service.PortDiscovery = true);

        await rollout.TickUntilAsync(CanaryPhase.Initialized);

        foreach (var name in s_services)
        {
            Assert.Equal(["http 9898->9898", "http-metrics 8080->8080", "tcp-podinfo-2 8888->8888"], Ports(rollout, name));
        }
    }

    [Fact]
    public async Task TargetPortNumber_TheContainerPortItNamesIsTheMainPortOnly()
    {
        var rollout = Rollout(service =>
        {
            service.Port = 80;
            service.TargetPort = 9898;
            service.PortDiscovery = true;
        });

        await rollout.TickUntilAsync(CanaryPhase.Initialized);

        Assert.Equal(["http 80->9898", "http-metrics 8080->8080", "tcp-podinfo-2 8888->8888"], Ports(rollout, "podinfo-canary"));
    }

    /// <summary>
    /// Flagger's test expects <c>http 8080</c> and <c>http-metrics 8080</c> side by side; it passes only against
    /// client-go's fake clientset, as kube-apiserver rejects a Service with two TCP ports 8080. The discovered
    /// port that collides with the main one is left out, so the Service can be written.
    /// </summary>
    [Fact]
    public async Task TargetPortName_TheNamedContainerPortIsExcluded_AndOneCollidingWithTheServicePortIsLeftOut()
    {
        var rollout = Rollout(service =>
        {
            service.Port = 8080;
            service.TargetPort = "http";
            service.PortDiscovery = true;
        });

        await rollout.TickUntilAsync(CanaryPhase.Initialized);

        Assert.Equal(["http 8080->http", "tcp-podinfo-2 8888->8888"], Ports(rollout, "podinfo-canary"));
    }

    [Fact]
    public async Task Sidecars_IstioProxyAndEnvoy_AreNotDiscovered()
    {
        var rollout = Rollout(service => service.PortDiscovery = true, containers =>
        {
            containers.Add(new V1Container { Name = "istio-proxy", Image = "proxyv2", Ports = [Port(15090, "http-envoy-prom")] });
            containers.Add(new V1Container { Name = "envoy", Image = "envoy", Ports = [Port(9901)] });
            containers.Add(new V1Container { Name = "exporter", Image = "exporter", Ports = [Port(9100)] });
        });

        await rollout.TickUntilAsync(CanaryPhase.Initialized);

        Assert.Equal(["http 9898->9898", "http-metrics 8080->8080", "tcp-exporter-0 9100->9100", "tcp-podinfo-2 8888->8888"], Ports(rollout, "podinfo-canary"));
    }

    [Fact]
    public async Task WithoutPortDiscovery_OnlyTheServicePortIsServed()
    {
        var rollout = Rollout(_ => { });

        await rollout.TickUntilAsync(CanaryPhase.Initialized);

        foreach (var name in s_services)
        {
            Assert.Equal(["http 9898->9898"], Ports(rollout, name));
        }
    }

    [Fact]
    public async Task NewRevision_WithAnotherContainerPort_TheServicesGainItWhenTheRevisionIsDetected()
    {
        var rollout = Rollout(service => service.PortDiscovery = true);
        await rollout.TickUntilAsync(CanaryPhase.Initialized);

        var target = rollout.Deployment("podinfo");
        target.Spec.Template.Spec.Containers[0].Ports.Add(Port(9999, "grpc"));
        rollout.Server.Seed(target);
        await rollout.TickAsync();

        Assert.Equal(CanaryPhase.Progressing, rollout.Phase);
        foreach (var name in s_services)
        {
            Assert.Equal(["grpc 9999->9999", "http 9898->9898", "http-metrics 8080->8080", "tcp-podinfo-2 8888->8888"], Ports(rollout, name));
        }
    }

    /// <summary>A rollout whose target has the container ports of Flagger's fixture (container <c>podinfo</c>).</summary>
    private ClusterRollout Rollout(Action<CanaryService> service, Action<IList<V1Container>>? containers = null)
    {
        var rollout = new ClusterRollout(fixture.FreshServer(), fixture.NewNamespace(), change: canary => service(canary.Spec.Service));
        var target = rollout.Deployment("podinfo");
        var main = target.Spec.Template.Spec.Containers[0];
        main.Name = "podinfo";
        main.Ports = [Port(9898, "http"), Port(8080, "http-metrics"), Port(8888)];
        containers?.Invoke(target.Spec.Template.Spec.Containers);
        rollout.Server.Seed(target);
        return rollout;
    }

    private static V1ContainerPort Port(int number, string? name = null) => new() { ContainerPort = number, Name = name, Protocol = "TCP" };

    /// <summary>The Service's ports as <c>name port->targetPort</c>, in port-name order (Flagger's order is a Go map's).</summary>
    private static string[] Ports(ClusterRollout rollout, string name) =>
        [.. rollout.Server.Get<V1Service>(rollout.Namespace, name)!.Spec.Ports
            .Select(p => $"{p.Name} {p.Port}->{p.TargetPort.Value}")
            .Order(StringComparer.Ordinal)];
}
