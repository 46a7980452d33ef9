using Flagger.Core.Model;
using k8s.Models;

namespace Flagger.Infrastructure.Kubernetes;

/// <summary>
/// The ports of the generated Services (spec §3.7): the main one from <c>spec.service</c>, then, with
/// <c>portDiscovery</c>, every container port of the target's pod template (Flagger's <c>getPorts</c>,
/// <c>pkg/canary/util.go</c>, and <c>reconcileService</c>, <c>pkg/router/kubernetes_default.go</c>).
/// </summary>
internal static class ServicePorts
{
    /// <summary>The service mesh proxies Flagger leaves out, by container name.</summary>
    private static readonly HashSet<string> s_sidecars = ["istio-proxy", "envoy"];

    public static List<V1ServicePort> For(CanaryService service, V1PodSpec? podSpec)
    {
        List<V1ServicePort> ports = [Main(service)];
        if (!service.PortDiscovery || podSpec is null)
        {
            return ports;
        }

        foreach (var (name, number) in Discover(service, podSpec))
        {
            // Flagger would add it too, and kube-apiserver would then reject the whole Service
            // ("spec.ports[n]: Duplicate value"); a port already served is left out instead.
            if (ports.Any(p => p.Port == number))
            {
                continue;
            }

            ports.Add(new V1ServicePort { Name = name, Protocol = "TCP", Port = number, TargetPort = number });
        }

        return ports;
    }

    private static V1ServicePort Main(CanaryService service) => new()
    {
        Name = string.IsNullOrEmpty(service.PortName) ? "http" : service.PortName,
        Protocol = "TCP",
        Port = service.Port,
        TargetPort = service.TargetPort is { Value: not "0" } target ? target : service.Port,
        AppProtocol = service.AppProtocol,
    };

    /// <summary>
    /// Container ports by name, in container order: the port's own name, else <c>tcp-&lt;container&gt;-&lt;index&gt;</c>.
    /// Flagger keeps them in a map, so a later port of the same name replaces an earlier one.
    /// </summary>
    private static List<(string Name, int Port)> Discover(CanaryService service, V1PodSpec podSpec)
    {
        List<(string Name, int Port)> ports = [];
        foreach (var container in podSpec.Containers ?? [])
        {
            if (s_sidecars.Contains(container.Name))
            {
                continue;
            }

            var index = -1;
            foreach (var port in container.Ports ?? [])
            {
                index++;
                if (IsMainPort(service, port))
                {
                    continue;
                }

                var name = string.IsNullOrEmpty(port.Name) ? $"tcp-{container.Name}-{index}" : port.Name;
                var existing = ports.FindIndex(p => p.Name == name);
                if (existing >= 0)
                {
                    ports[existing] = (name, port.ContainerPort);
                }
                else
                {
                    ports.Add((name, port.ContainerPort));
                }
            }
        }

        return ports;
    }

    /// <summary>The container port the main Service port reaches: <c>targetPort</c> by number or name, else <c>port</c>.</summary>
    private static bool IsMainPort(CanaryService service, V1ContainerPort port) => service.TargetPort switch
    {
        null or { Value: "0" } => port.ContainerPort == service.Port,
        { } target when int.TryParse(target.Value, out var number) => port.ContainerPort == number,
        { } target => port.Name == target.Value,
    };
}
