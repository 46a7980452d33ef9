using System.Text.Json.Nodes;
using Flagger.Core.Model;
using Flagger.Core.Routing;
using Flagger.Sandbox.Kubernetes;
using Flagger.Sandbox.Prometheus;
using Flagger.Sandbox.Traffic;
using k8s;
using k8s.Models;

namespace Flagger.Sandbox;

/// <summary>
/// The simulated world Flagger runs against by default: the fake Kubernetes API server (deployment and
/// gateway simulations automatic), the sample app and Canaries installed in <see cref="Namespace"/>, a
/// traffic simulator sending requests through the routes to simulated pods, and a real Prometheus scraping
/// the pods' request metrics every second. Everything listens on free loopback ports, files go under the
/// work directory, and dispose stops it all (Prometheus is killed).
/// </summary>
public sealed class SandboxCluster : IAsyncDisposable
{
    private readonly bool _ownsWorkDirectory;
    private FakeKubernetesApiServer? _apiServer;
    private TrafficSimulator? _traffic;
    private PrometheusServer? _prometheus;
    private bool _disposed;

    private SandboxCluster(SandboxOptions options, string workDirectory, bool ownsWorkDirectory)
    {
        Options = options;
        WorkDirectory = workDirectory;
        _ownsWorkDirectory = ownsWorkDirectory;
        KubeconfigPath = Path.Combine(workDirectory, "kubeconfig");
    }

    public SandboxOptions Options { get; }

    public string Namespace => Options.Namespace;

    public string WorkDirectory { get; }

    /// <summary>A kubeconfig for <see cref="ApiServer"/> (context namespace: <see cref="Namespace"/>): <c>kubectl --kubeconfig PATH get canaries -w</c>.</summary>
    public string KubeconfigPath { get; }

    public FakeKubernetesApiServer ApiServer => _apiServer ?? throw new InvalidOperationException("the sandbox is not started");

    public TrafficSimulator Traffic => _traffic ?? throw new InvalidOperationException("the sandbox is not started");

    public PrometheusServer Prometheus => _prometheus ?? throw new InvalidOperationException("the sandbox is not started");

    /// <summary>Prometheus' base address (<c>http://127.0.0.1:PORT/</c>): the <c>Prometheus__Address</c> Flagger needs.</summary>
    public Uri PrometheusAddress => Prometheus.Address;

    /// <summary>The installed sample Canaries (<c>podinfo</c>, and <c>podinfo-ab</c> / <c>podinfo-bg</c> when asked for).</summary>
    public IReadOnlyList<string> CanaryNames { get; private set; } = [];

    public static async Task<SandboxCluster> StartAsync(SandboxOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new SandboxOptions();
        if (options.KeepState && options.WorkDirectory is null)
        {
            throw new ArgumentException("KeepState needs a WorkDirectory to keep the cluster in", nameof(options));
        }

        string workDirectory;
        var owns = options.WorkDirectory is null;
        if (options.WorkDirectory is { } given)
        {
            workDirectory = Path.GetFullPath(given);
            Directory.CreateDirectory(workDirectory);
        }
        else
        {
            workDirectory = Directory.CreateTempSubdirectory("flagger-sandbox-").FullName;
        }

        if (options.KeepState)
        {
            // A sandbox killed outright leaves its Prometheus directory behind (the watchdog killed the process itself).
            foreach (var stale in Directory.GetDirectories(workDirectory, "prometheus-*"))
            {
                Directory.Delete(stale, recursive: true);
            }
        }

        var sandbox = new SandboxCluster(options, workDirectory, owns);
        try
        {
            await sandbox.StartPartsAsync(cancellationToken);
            return sandbox;
        }
        catch
        {
            await sandbox.DisposeAsync();
            throw;
        }
    }

    /// <summary>A KubernetesClient for the API server, built from <see cref="KubeconfigPath"/>.</summary>
    public k8s.Kubernetes CreateClient() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath));

    /// <summary>The Canary as stored now (typed), or null.</summary>
    public Canary? GetCanary(string name = "podinfo") => ApiServer.Get<Canary>(Namespace, name);

    /// <summary>The Canary's status, the split the gateway serves, and the Deployments' images and replicas.</summary>
    public CanaryView View(string name = "podinfo")
    {
        var canary = GetCanary(name);
        var target = canary?.Spec.TargetRef.Name is { Length: > 0 } targetName ? targetName : name;
        var service = canary?.Spec.Service.Name is { Length: > 0 } serviceName ? serviceName : target;
        var kind = canary is not null && RouteKind.TryOf(canary, out var routeKind) ? routeKind : RouteKind.Http;
        var route = ApiServer.Get("gateway.networking.k8s.io/v1", kind.Kind, Namespace, service);
        var primary = DeploymentOf(target + "-primary");
        return new CanaryView(
            Namespace,
            name,
            canary?.Status,
            route is null ? null : Flagger.Sandbox.Traffic.RouteWeights.Of(RouteSplit.Read(route, service)),
            DeploymentOf(target),
            primary.Exists ? primary : null);
    }

    /// <summary>The weights the gateway serves for a route (primary, canary, mirrored), null before the route exists.</summary>
    public RouteWeights? RouteWeights(string route = "podinfo")
    {
        var found = ApiServer.Get("gateway.networking.k8s.io/v1", "HTTPRoute", Namespace, route);
        return found is null ? null : Flagger.Sandbox.Traffic.RouteWeights.Of(RouteSplit.Read(found, route));
    }

    /// <summary>Sets the image of a Deployment's first container (what a registry-driven deploy does), through the API like a client would.</summary>
    public async Task SetImageAsync(string deployment, string image, CancellationToken cancellationToken = default)
    {
        var current = ApiServer.Get("apps/v1", "Deployment", Namespace, deployment)
            ?? throw new InvalidOperationException($"Deployment {Namespace}/{deployment} not found");
        var container = (string?)current["spec"]?["template"]?["spec"]?["containers"]?[0]?["name"] ?? "podinfod";
        var patch = new JsonObject
        {
            ["spec"] = new JsonObject
            {
                ["template"] = new JsonObject
                {
                    ["spec"] = new JsonObject
                    {
                        ["containers"] = new JsonArray(new JsonObject { ["name"] = container, ["image"] = image }),
                    },
                },
            },
        };
        using var client = CreateClient();
        await client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.StrategicMergePatch), deployment, Namespace, cancellationToken: cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_traffic is not null)
        {
            await _traffic.DisposeAsync();
        }

        if (_prometheus is not null)
        {
            await _prometheus.DisposeAsync();
        }

        if (_apiServer is not null)
        {
            await _apiServer.DisposeAsync();
        }

        try
        {
            if (_ownsWorkDirectory)
            {
                Directory.Delete(WorkDirectory, recursive: true);
            }
            else if (!Options.KeepState)
            {
                File.Delete(KubeconfigPath);
            }
        }
        catch (IOException)
        {
            // Leftover files are harmless.
        }
        catch (UnauthorizedAccessException)
        {
            // Leftover files are harmless.
        }
    }

    private async Task StartPartsAsync(CancellationToken cancellationToken)
    {
        var options = Options;
        _apiServer = await FakeKubernetesApiServer.StartAsync(new FakeApiServerOptions
        {
            Token = options.ApiToken,
            ContextName = "flagger-sandbox",
            DefaultNamespace = options.Namespace,
            WorkDirectory = WorkDirectory,
            StateDirectory = options.KeepState ? Path.Combine(WorkDirectory, "cluster") : null,
        });
        _apiServer.Deployments.Automatic = true;
        _apiServer.Deployments.ReadyAfter = options.DeploymentReadyAfter;
        _apiServer.Deployments.ProgressDeadline = options.DeploymentReadyAfter + TimeSpan.FromSeconds(1);
        if (options.IsBrokenImage is { } broken)
        {
            _apiServer.Deployments.IsBrokenImage = broken;
        }

        _apiServer.Gateway.Automatic = true;
        _apiServer.WriteKubeconfig(KubeconfigPath);
        cancellationToken.ThrowIfCancellationRequested();

        var variants = new List<SampleVariant> { SampleVariant.Progressive };
        if (options.ABTesting)
        {
            variants.Add(SampleVariant.ABTesting);
        }

        if (options.BlueGreen)
        {
            variants.Add(SampleVariant.BlueGreen);
        }

        foreach (var variant in variants)
        {
            var app = SampleApp.NameOf(variant);
            if (_apiServer.Get("flagger.app/v1beta1", "Canary", options.Namespace, app) is not null)
            {
                continue;
            }

            _apiServer.Seed(SampleApp.ConfigMap(options.Namespace, app));
            _apiServer.Seed(SampleApp.Deployment(options.Namespace, app, options.Image, options.Replicas));
            _apiServer.Seed(SampleApp.Canary(options.Namespace, variant, options));
        }

        CanaryNames = [.. variants.Select(SampleApp.NameOf)];
        _traffic = await TrafficSimulator.StartAsync(_apiServer, new TrafficOptions
        {
            RequestsPerSecond = options.RequestsPerSecond,
            InsiderShare = options.InsiderShare,
            RunLoop = options.RunTraffic,
            Routes = [.. CanaryNames.Select(name => new RouteReference(options.Namespace, name))],
        }, cancellationToken);
        _prometheus = await PrometheusServer.StartAsync(new PrometheusServerOptions
        {
            ScrapeTargets = [_traffic.MetricsAddress],
            ScrapeInterval = options.ScrapeInterval,
            HonorLabels = true,
            JobName = "sandbox-pods",
            WorkDirectory = WorkDirectory,
        }, cancellationToken);
    }

    private DeploymentView DeploymentOf(string name)
    {
        var deployment = ApiServer.Get("apps/v1", "Deployment", Namespace, name);
        return deployment is null
            ? new DeploymentView(name, null, 0, 0, Exists: false)
            : new DeploymentView(
                name,
                (string?)deployment["spec"]?["template"]?["spec"]?["containers"]?[0]?["image"],
                deployment["spec"]?["replicas"]?.GetValue<int>() ?? 1,
                deployment["status"]?["readyReplicas"]?.GetValue<int>() ?? 0,
                Exists: true);
    }
}
