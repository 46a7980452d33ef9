using System.Diagnostics;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Infrastructure.Kubernetes;
using Flagger.Infrastructure.Prometheus;
using Flagger.Sandbox.Traffic;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Flagger.Sandbox.Tests;

[Collection(SandboxCollection.Name)]
public sealed class SandboxClusterTests(SandboxFixture fixture, ITestOutputHelper output)
{
    private const string BadImage = "contosoacr.azurecr.io/podinfo:6.0.1-bad";
    private readonly SandboxCluster _sandbox = fixture.Sandbox;

    [Fact]
    public async Task Kubeconfig_TheRealClientListsTheSampleCanaries_WhichFlaggerAccepts()
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(_sandbox.KubeconfigPath);
        Assert.Equal("test", config.Namespace);
        Assert.StartsWith(_sandbox.WorkDirectory, _sandbox.KubeconfigPath, StringComparison.Ordinal);
        using var client = new k8s.Kubernetes(config);

        var list = await client.CustomObjects.ListNamespacedCustomObjectAsync<CanaryList>(FlaggerApi.Group, FlaggerApi.Version, "test", Canary.KubePlural);

        Assert.Equal(["podinfo", "podinfo-ab", "podinfo-bg"], list.Items.Select(c => c.Metadata.Name).Order(StringComparer.Ordinal));
        Assert.All(list.Items, canary => Assert.Empty(CanaryValidator.Validate(canary).All));
        var podinfo = list.Items.Single(c => c.Metadata.Name == "podinfo");
        Assert.Equal("gatewayapi:v1", podinfo.Spec.Provider);
        Assert.Equal(9898, podinfo.Spec.Service.Port);
        Assert.Equal(DeploymentStrategy.Canary, podinfo.Analysis.Strategy);
        Assert.Equal(DeploymentStrategy.ABTesting, list.Items.Single(c => c.Metadata.Name == "podinfo-ab").Analysis.Strategy);
        Assert.Equal(DeploymentStrategy.BlueGreen, list.Items.Single(c => c.Metadata.Name == "podinfo-bg").Analysis.Strategy);
        Assert.Equal([CanaryMetric.RequestSuccessRate, CanaryMetric.RequestDuration], podinfo.Analysis.Metrics!.Select(m => m.Name));

        var deployment = await client.AppsV1.ReadNamespacedDeploymentAsync("podinfo-ab", "test");
        Assert.Equal(2, deployment.Spec.Replicas);
        Assert.Equal("podinfo-ab", deployment.Spec.Selector.MatchLabels["app"]);
        Assert.Equal("podinfo-ab-config", deployment.Spec.Template.Spec.Containers[0].EnvFrom.Single().ConfigMapRef.Name);
        Assert.Equal(SampleApp.DefaultImage, deployment.Spec.Template.Spec.Containers[0].Image);
        Assert.NotNull(await client.CoreV1.ReadNamespacedConfigMapAsync("podinfo-config", "test"));
    }

    [Fact]
    public async Task Builtins_OnTheRealPrometheus_BadImageFails_GoodImagePasses()
    {
        // As Flagger would have it mid-analysis: podinfo's target runs a bad image, podinfo-bg's a good one, both at 50/50.
        await _sandbox.SetImageAsync("podinfo", BadImage);
        await WaitUntilAsync(() => _sandbox.View("podinfo").Target is { ReadyReplicas: 2, Image: BadImage }, TimeSpan.FromSeconds(10));
        var bad = _sandbox.GetCanary("podinfo")!;
        var good = _sandbox.GetCanary("podinfo-bg")!;
        Routes.Initialize(_sandbox.ApiServer, bad, SampleApp.DefaultImage, 50, 50);
        Routes.Initialize(_sandbox.ApiServer, good, SampleApp.DefaultImage, 50, 50);

        await using var services = MetricServices();
        var provider = services.GetRequiredService<IMetricProvider>();
        var clock = Stopwatch.StartNew();
        var measured = new Dictionary<(string, string), MetricMeasurement>();
        while (clock.Elapsed < TimeSpan.FromSeconds(40))
        {
            await Task.Delay(500);
            foreach (var canary in new[] { bad, good })
            {
                foreach (var metric in canary.Analysis.Metrics!)
                {
                    measured[(canary.Metadata.Name, metric.Name)] = await provider.MeasureAsync(canary, metric, CancellationToken.None);
                }
            }

            if (measured.Values.All(m => m.Status == MeasurementStatus.Value))
            {
                break;
            }
        }

        output.WriteLine($"all four builtins had values after {clock.Elapsed.TotalSeconds:0.0} s");
        foreach (var (key, value) in measured)
        {
            output.WriteLine($"{key}: {value.Status} {value.Value} {value.Query}");
        }

        Assert.All(measured.Values, m => Assert.Equal(MeasurementStatus.Value, m.Status));
        Assert.Contains("kubernetes_pod_name=~\"podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)\"", measured[("podinfo", CanaryMetric.RequestSuccessRate)].Query, StringComparison.Ordinal);
        Assert.InRange(measured[("podinfo", CanaryMetric.RequestSuccessRate)].Value, 45, 75);
        Assert.InRange(measured[("podinfo", CanaryMetric.RequestDuration)].Value, 501, 1000);
        Assert.InRange(measured[("podinfo-bg", CanaryMetric.RequestSuccessRate)].Value, 99, 100);
        Assert.InRange(measured[("podinfo-bg", CanaryMetric.RequestDuration)].Value, 15, 100);
    }

    [Fact]
    public async Task LiveTraffic_FollowsTheABRoute_AndTheViewShowsIt()
    {
        var canary = _sandbox.GetCanary("podinfo-ab")!;
        Routes.Initialize(_sandbox.ApiServer, canary, SampleApp.DefaultImage, 0, 100);
        await WaitUntilAsync(() => _sandbox.Traffic.Snapshot().RequestsTo("test", "podinfo-ab-primary") > 0, TimeSpan.FromSeconds(5));

        var before = _sandbox.Traffic.Snapshot();
        await Task.Delay(TimeSpan.FromSeconds(2));
        var sent = _sandbox.Traffic.Snapshot().Since(before);

        var route = sent.Route("test", "podinfo-ab")!;
        output.WriteLine($"{route.Requests} requests in {sent.Window.TotalSeconds:0.00} s, {route.Insiders} insiders");
        Assert.InRange(route.Requests / sent.Window.TotalSeconds, 35, 65);
        Assert.InRange((double)sent.RequestsTo("test", "podinfo-ab") / route.Requests, 0.15, 0.25);
        Assert.Equal(route.Requests, sent.RequestsTo("test", "podinfo-ab") + sent.RequestsTo("test", "podinfo-ab-primary"));

        var view = _sandbox.View("podinfo-ab");
        Assert.Equal(new RouteWeights(0, 100, false), view.Route);
        Assert.Equal(SampleApp.DefaultImage, view.Target.Image);
        Assert.Equal(2, view.Primary?.ReadyReplicas);
        Assert.NotEmpty(_sandbox.Traffic.Recent(TimeSpan.FromSeconds(10)).Pods);
        Assert.Null(_sandbox.Traffic.LastError);
    }

    private ServiceProvider MetricServices()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Kubernetes:Kubeconfig"] = _sandbox.KubeconfigPath,
                ["Prometheus:Address"] = _sandbox.PrometheusAddress.ToString(),
            })
            .Build();
        return new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddKubernetes()
            .AddPrometheusMetrics()
            .BuildServiceProvider();
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < timeout, $"not true after {timeout}");
            await Task.Delay(100);
        }
    }
}
