using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Flagger.Core.Model;
using Flagger.Host;
using Flagger.Infrastructure.Alerts;
using Flagger.Infrastructure.Kubernetes;
using Flagger.Infrastructure.Prometheus;
using Flagger.Infrastructure.Registry;
using Flagger.Infrastructure.State;
using Flagger.Infrastructure.Webhooks;
using Flagger.Sandbox.Kubernetes;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using YamlDotNet.RepresentationModel;

namespace Flagger.Deploy.Tests.Kubernetes;

/// <summary>
/// infra/kubernetes/host runs Flagger.Host as it is built: the RBAC's ServiceAccount, probes on paths the host
/// maps, settings the host reads, the image, port and user of its container properties, two replicas a
/// PodDisruptionBudget keeps one of. Every file loads strictly with KubernetesClient's models (an unknown field
/// fails), the kustomization builds with the real kubectl, and the real kubectl applies the objects the
/// sandbox's API server serves, validated there against their OpenAPI schemas.
/// </summary>
public sealed class HostManifestTests
{
    private const string Folder = "infra/kubernetes/host";

    /// <summary>ASP.NET Core's own settings the Deployment sets; everything else must be a Flagger.Host setting.</summary>
    private static readonly HashSet<string> s_frameworkSettings = ["ASPNETCORE_HTTP_PORTS"];

    private static readonly Lazy<IReadOnlyList<object>> s_objects = new(() =>
        Kustomization().Resources.SelectMany(file => FlaggerYaml.LoadAll(Read($"{Folder}/{file}"))).ToList());

    private static V1Deployment Deployment => Assert.Single(s_objects.Value.OfType<V1Deployment>());

    private static V1Container Container => Assert.Single(Deployment.Spec.Template.Spec.Containers);

    [Fact]
    public void The_kustomization_lists_every_object_file_of_the_folder_but_the_example_secret()
    {
        var files = RepositoryFiles.Under(Path.Combine(RepositoryFiles.Root, Folder), ".yaml")
            .Select(f => Path.GetFileName(f))
            .Where(f => f is not ("kustomization.yaml" or "secret.example.yaml"));

        Assert.Equal(files.Order(StringComparer.Ordinal), Kustomization().Resources.Order(StringComparer.Ordinal));
        Assert.Equal(
            ["ConfigMap", "Deployment", "PodDisruptionBudget", "Service"],
            s_objects.Value.Select(o => o.GetType().Name switch
            {
                nameof(V1ConfigMap) => "ConfigMap",
                nameof(V1Deployment) => "Deployment",
                nameof(V1PodDisruptionBudget) => "PodDisruptionBudget",
                nameof(V1Service) => "Service",
                var other => other,
            }).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_deployment_runs_as_the_rbac_service_account_bound_to_the_cluster_role()
    {
        var rbac = FlaggerYaml.LoadAll(Read("infra/kubernetes/rbac/serviceaccount.yaml"));
        var account = Assert.Single(rbac.OfType<V1ServiceAccount>());
        var binding = Assert.Single(rbac.OfType<V1ClusterRoleBinding>());

        Assert.Equal(account.Metadata.Name, Deployment.Spec.Template.Spec.ServiceAccountName);
        Assert.Equal(account.Metadata.NamespaceProperty, Deployment.Metadata.NamespaceProperty);
        Assert.Equal(account.Metadata.NamespaceProperty, Kustomization().Namespace);
        Assert.Contains(binding.Subjects, s => s.Kind == "ServiceAccount" && s.Name == account.Metadata.Name && s.NamespaceProperty == account.Metadata.NamespaceProperty);
        Assert.NotEqual(false, Deployment.Spec.Template.Spec.AutomountServiceAccountToken);
    }

    [Fact]
    public void Liveness_and_startup_probes_point_at_a_path_the_host_maps()
    {
        var paths = HostPaths();

        Assert.Contains(Container.LivenessProbe.HttpGet.Path, paths);
        Assert.Contains(Container.StartupProbe.HttpGet.Path, paths);
        Assert.All(new[] { Container.LivenessProbe, Container.StartupProbe, Container.ReadinessProbe }, probe =>
            Assert.Equal("http", probe.HttpGet.Port.Value));
    }

    [Fact]
    public void The_readiness_probe_points_at_a_path_the_host_maps()
    {
        Assert.Contains(Container.ReadinessProbe.HttpGet.Path, HostPaths());
    }

    [Fact]
    public void Every_setting_the_manifests_give_is_one_Flagger_Host_reads()
    {
        var known = HostSettings();
        var configMap = Assert.Single(s_objects.Value.OfType<V1ConfigMap>());
        var secret = Assert.Single(FlaggerYaml.LoadAll(Read($"{Folder}/secret.example.yaml")).OfType<V1Secret>());
        var given = configMap.Data.Keys
            .Concat(secret.StringData.Keys)
            .Concat(Container.Env.Select(e => e.Name).Where(name => !s_frameworkSettings.Contains(name)))
            .ToList();

        var unknown = given.Where(name => !known.Contains(name)).ToList();
        Assert.True(unknown.Count == 0, $"not settings Flagger.Host reads: {string.Join(", ", unknown)}");
        Assert.Contains("Host__ApiKey", secret.StringData.Keys);
        Assert.Equal(
            [configMap.Metadata.Name, secret.Metadata.Name],
            Container.EnvFrom.Select(e => e.ConfigMapRef?.Name ?? e.SecretRef?.Name));
    }

    [Fact]
    public void Two_replicas_share_one_task_hub_and_the_disruption_budget_keeps_one()
    {
        var budget = Assert.Single(s_objects.Value.OfType<V1PodDisruptionBudget>());
        var service = Assert.Single(s_objects.Value.OfType<V1Service>());
        var podLabels = Deployment.Spec.Template.Metadata.Labels;
        var settings = Assert.Single(s_objects.Value.OfType<V1ConfigMap>()).Data;

        Assert.Equal(2, Deployment.Spec.Replicas);
        Assert.Equal("1", budget.Spec.MinAvailable.Value);
        Assert.Equal("0", Deployment.Spec.Strategy.RollingUpdate.MaxUnavailable.Value);
        Assert.All(Deployment.Spec.Selector.MatchLabels, l => Assert.Equal(l.Value, podLabels[l.Key]));
        Assert.Equal(Deployment.Spec.Selector.MatchLabels, budget.Spec.Selector.MatchLabels);
        Assert.All(service.Spec.Selector, l => Assert.Equal(l.Value, podLabels[l.Key]));
        Assert.All(Deployment.Spec.Template.Spec.TopologySpreadConstraints, c => Assert.Equal(Deployment.Spec.Selector.MatchLabels, c.LabelSelector.MatchLabels));
        Assert.Contains(Deployment.Spec.Template.Spec.TopologySpreadConstraints, c => c.TopologyKey == "kubernetes.io/hostname");
        // Every replica must agree on the task hub and its partitions; a partition per replica at least.
        Assert.False(string.IsNullOrEmpty(settings["Host__TaskHubName"]));
        Assert.True(int.Parse(settings["Host__PartitionCount"], System.Globalization.CultureInfo.InvariantCulture) >= Deployment.Spec.Replicas);
    }

    [Fact]
    public void The_pod_runs_non_root_read_only_without_privileges_with_a_writable_tmp()
    {
        var pod = Deployment.Spec.Template.Spec;
        var container = Container.SecurityContext;

        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
        Assert.Equal((true, false, false), (container.ReadOnlyRootFilesystem, container.AllowPrivilegeEscalation, container.Privileged));
        Assert.Equal(["ALL"], container.Capabilities.Drop);
        var tmp = Assert.Single(Container.VolumeMounts, m => m.MountPath == "/tmp");
        Assert.NotNull(Assert.Single(pod.Volumes, v => v.Name == tmp.Name).EmptyDir);
    }

    [Fact]
    public void Memory_requests_and_limits_cover_the_measured_resident_set()
    {
        var resources = Container.Resources;
        const long MiB = 1024 * 1024;

        // Measured: about 300 MiB idle with 10 canaries, about 600 MiB with 500.
        Assert.InRange(resources.Requests["memory"].ToInt64(), 300 * MiB, 600 * MiB);
        Assert.True(resources.Limits["memory"].ToInt64() > 600 * MiB);
        Assert.True(resources.Requests.ContainsKey("cpu"));
    }

    [Fact]
    public void The_image_port_and_user_are_the_container_properties_of_Flagger_Host()
    {
        var properties = ContainerProperties();
        var port = Assert.Single(Container.Ports);

        Assert.Equal(properties.Repository, Container.Image.Split(':')[0]);
        Assert.Contains(Kustomization().ImageTag, properties.Tags);
        Assert.Equal(int.Parse(properties.Port, System.Globalization.CultureInfo.InvariantCulture), port.ContainerPort);
        Assert.Equal(port.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(Container.Env, e => e.Name == "ASPNETCORE_HTTP_PORTS").Value);
        Assert.Equal(long.Parse(properties.User, System.Globalization.CultureInfo.InvariantCulture), Deployment.Spec.Template.Spec.SecurityContext.RunAsUser);
        // The SDK's choice for ContainerFamily noble-chiseled: -extra, with ICU, as globalization is not invariant.
        Assert.Equal("mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled-extra", properties.BaseImage);
    }

    [Fact]
    public async Task The_kustomization_builds_with_kubectl_into_the_namespace_with_the_image()
    {
        var result = await Kubectl(null, "kustomize", Path.Combine(RepositoryFiles.Root, Folder));

        Assert.True(result.ExitCode == 0, result.ToString());
        var built = FlaggerYaml.LoadAll(result.Output);
        Assert.Equal(4, built.Count);
        Assert.All(built.OfType<IMetadata<V1ObjectMeta>>(), o => Assert.Equal("flagger-system", o.Metadata.NamespaceProperty));
        var container = Assert.Single(Assert.Single(built.OfType<V1Deployment>()).Spec.Template.Spec.Containers);
        Assert.Equal($"{ContainerProperties().Repository}:{Kustomization().ImageTag}", container.Image);
    }

    /// <summary>The sandbox's API server serves ConfigMaps, Deployments and Services (not PodDisruptionBudgets) and validates them strictly.</summary>
    [Fact]
    public async Task Kubectl_applies_the_config_map_deployment_and_service_to_an_api_server_validating_them()
    {
        await using var server = await FakeKubernetesApiServer.StartAsync();
        var kubeconfig = server.KubeconfigPath;

        var ns = await Kubectl(kubeconfig, "create", "namespace", "flagger-system");
        var applied = await Kubectl(kubeconfig, "apply", "--validate=strict",
            "-f", Path.Combine(RepositoryFiles.Root, Folder, "configmap.yaml"),
            "-f", Path.Combine(RepositoryFiles.Root, Folder, "deployment.yaml"),
            "-f", Path.Combine(RepositoryFiles.Root, Folder, "service.yaml"));

        Assert.True(ns.ExitCode == 0, ns.ToString());
        Assert.True(applied.ExitCode == 0, applied.ToString());
        Assert.Equal(
            ["configmap/flagger-host-settings created", "deployment.apps/flagger-host created", "service/flagger-host created"],
            applied.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Assert.Equal("flagger-functions", server.Get("apps/v1", "Deployment", "flagger-system", "flagger-host")!["spec"]!["template"]!["spec"]!["serviceAccountName"]!.GetValue<string>());
    }

    /// <summary>The routes Flagger.Host maps (<see cref="HostEndpoints.MapFlaggerHostRoutes"/>), read from its endpoint data sources.</summary>
    private static HashSet<string> HostPaths()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Services.AddHealthChecks();
        builder.Services.AddFlaggerOpenApi();
        var app = builder.Build();
        app.MapFlaggerHostRoutes();
        return ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(source => source.Endpoints)
            .OfType<RouteEndpoint>()
            .Select(endpoint => "/" + endpoint.RoutePattern.RawText!.TrimStart('/'))
            .ToHashSet(StringComparer.Ordinal);
    }

    /// <summary><c>Section__Property</c> of every options class the host binds.</summary>
    private static HashSet<string> HostSettings()
    {
        Type[] options =
        [
            typeof(FlaggerHostOptions), typeof(SandboxSettings), typeof(KubernetesOptions), typeof(PrometheusOptions),
            typeof(WebhookOptions), typeof(AlertOptions), typeof(StateStoreOptions), typeof(RegistryOptions),
        ];
        return options
            .SelectMany(type =>
            {
                var section = (string)type.GetField("Section", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
                return type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                    .Where(p => p.GetSetMethod() is not null)
                    .Select(p => $"{section}__{p.Name}");
            })
            .ToHashSet(StringComparer.Ordinal);
    }

    private sealed record KustomizationFile(string Namespace, IReadOnlyList<string> Resources, string ImageTag);

    private static KustomizationFile Kustomization()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(Read($"{Folder}/kustomization.yaml")));
        var root = (YamlMappingNode)stream.Documents.Single().RootNode;
        var image = (YamlMappingNode)((YamlSequenceNode)root["images"]).Children.Single();
        return new KustomizationFile(
            ((YamlScalarNode)root["namespace"]).Value!,
            ((YamlSequenceNode)root["resources"]).Children.Select(c => ((YamlScalarNode)c).Value!).ToList(),
            ((YamlScalarNode)image["newTag"]).Value!);
    }

    private sealed record Properties(string Repository, IReadOnlyList<string> Tags, string Port, string User, string BaseImage);

    /// <summary>The SDK's container properties of Flagger.Host, as <c>dotnet publish /t:PublishContainer</c> would use them (the base image as its ComputeContainerBaseImage target infers it).</summary>
    private static Properties ContainerProperties() => s_properties.Value;

    private static readonly Lazy<Properties> s_properties = new(() =>
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["msbuild", Path.Combine(RepositoryFiles.Root, "src", "Flagger.Host", "Flagger.Host.csproj"),
            "-nologo", "-target:ComputeContainerBaseImage", "-getProperty:ContainerRepository", "-getProperty:ContainerImageTags",
            "-getProperty:ContainerUser", "-getProperty:ContainerBaseImage", "-getItem:ContainerPort"])
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"dotnet msbuild failed: {output}{error}");
        using var json = JsonDocument.Parse(output);
        var properties = json.RootElement.GetProperty("Properties");
        string Property(string name) => properties.GetProperty(name).GetString()!;
        return new Properties(
            Property("ContainerRepository"),
            Property("ContainerImageTags").Split(';', StringSplitOptions.RemoveEmptyEntries),
            json.RootElement.GetProperty("Items").GetProperty("ContainerPort").EnumerateArray().Single().GetProperty("Identity").GetString()!,
            Property("ContainerUser"),
            Property("ContainerBaseImage"));
    });

    private sealed record KubectlResult(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
    }

    /// <summary>The real kubectl from PATH (CI machines have 1.32), with a discovery cache of its own.</summary>
    private static async Task<KubectlResult> Kubectl(string? kubeconfig, params string[] args)
    {
        var executable = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(dir => Path.Combine(dir, "kubectl"))
            .FirstOrDefault(File.Exists) ?? throw new InvalidOperationException("kubectl is not on PATH: these tests run the real kubectl");
        var cache = Directory.CreateTempSubdirectory("flagger-deploy-kubectl-");
        try
        {
            var start = new ProcessStartInfo(executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            string[] common = kubeconfig is null ? [] : ["--kubeconfig", kubeconfig, "--cache-dir", cache.FullName, "--request-timeout", "15s"];
            foreach (var arg in (string[])[.. common, .. args])
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);
            return new KubectlResult(process.ExitCode, await output, await error);
        }
        finally
        {
            cache.Delete(recursive: true);
        }
    }

    private static string Read(string file) => File.ReadAllText(Path.Combine(RepositoryFiles.Root, file));
}
