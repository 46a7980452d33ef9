using System.Text.RegularExpressions;
using Flagger.Sandbox.Kubernetes;
using Flagger.Sandbox.Traffic;
using k8s;

namespace Flagger.Sandbox.Tests;

/// <summary>
/// The simulator against routes built by Flagger's own HttpRouteSpec, on a fake API server of its own,
/// with requests sent by hand (no loop), so every count is exact.
/// </summary>
public sealed class TrafficSimulatorTests : IAsyncLifetime
{
    private const string Ns = "test";
    private const string GoodImage = "contosoacr.azurecr.io/podinfo:6.0.0";
    private const string BadImage = "contosoacr.azurecr.io/podinfo:6.0.1-bad";

    // The builtin queries' pod selector (BuiltinMetricQueries), rendered for podinfo; Prometheus anchors regexes.
    private static readonly Regex s_canaryPods = new("^podinfo-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)$");

    private FakeKubernetesApiServer _server = null!;
    private TrafficSimulator _traffic = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeKubernetesApiServer.StartAsync();
        _traffic = await TrafficSimulator.StartAsync(_server, new TrafficOptions
        {
            RunLoop = false,
            Routes = [new RouteReference(Ns, "podinfo"), new RouteReference(Ns, "podinfo-ab"), new RouteReference(Ns, "podinfo-bg")],
        });
    }

    public async Task DisposeAsync()
    {
        await _traffic.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public void Split_90_10_SendsTenPercentToTheCanaryPods()
    {
        var canary = Install(SampleVariant.Progressive, GoodImage);
        Routes.Initialize(_server, canary, GoodImage, 90, 10);

        var before = _traffic.Snapshot();
        _traffic.Send(1000);
        var sent = _traffic.Snapshot().Since(before);

        var toCanary = sent.RequestsTo(Ns, "podinfo");
        var toPrimary = sent.RequestsTo(Ns, "podinfo-primary");
        Assert.InRange(toCanary, 90, 110);
        Assert.Equal(1000, toCanary + toPrimary);
        Assert.Equal(new RouteWeights(90, 10, false), sent.Route(Ns, "podinfo")!.Weights);
        // Two ready pods each, named like real pods: the canary's match the builtin regex, the primary's do not.
        var canaryPods = sent.Pods.Where(p => p.Deployment == "podinfo" && p.Requests > 0).ToList();
        var primaryPods = sent.Pods.Where(p => p.Deployment == "podinfo-primary" && p.Requests > 0).ToList();
        Assert.Equal(2, canaryPods.Count);
        Assert.Equal(2, primaryPods.Count);
        Assert.All(canaryPods, p => Assert.Matches(s_canaryPods, p.Name));
        Assert.All(primaryPods, p => Assert.DoesNotMatch(s_canaryPods, p.Name));
        Assert.All(primaryPods, p => Assert.StartsWith("podinfo-primary-", p.Name, StringComparison.Ordinal));
    }

    [Fact]
    public void TargetScaledToZero_CanaryPodsGetNothing()
    {
        var canary = Install(SampleVariant.Progressive, GoodImage);
        Routes.Initialize(_server, canary, GoodImage, 90, 10);
        Routes.Scale(_server, Ns, "podinfo", 0);

        var before = _traffic.Snapshot();
        _traffic.Send(500);
        var sent = _traffic.Snapshot().Since(before);

        Assert.Equal(0, sent.RequestsTo(Ns, "podinfo"));
        Assert.InRange(sent.RequestsTo(Ns, "podinfo-primary"), 440, 460);
        // The canary's share found no ready endpoint: the gateway's 5xx, which no pod records.
        Assert.InRange(sent.Route(Ns, "podinfo")!.Unrouted, 40, 60);
        Assert.DoesNotContain(sent.Pods, p => p.Deployment == "podinfo" && p.Serving);
    }

    [Fact]
    public void BadImage_FortyPercentErrorsAndSlow_GoodImage_AlmostNone()
    {
        var canary = Install(SampleVariant.Progressive, BadImage);
        Routes.Initialize(_server, canary, GoodImage, 50, 50);

        var before = _traffic.Snapshot();
        _traffic.Send(2000);
        var sent = _traffic.Snapshot().Since(before);

        var bad = sent.Workloads.Single(w => w.Deployment == "podinfo");
        var good = sent.Workloads.Single(w => w.Deployment == "podinfo-primary");
        Assert.Equal(BadImage, bad.Image);
        Assert.InRange(bad.ErrorRate, 0.38, 0.42);
        Assert.InRange(bad.MeanLatencyMilliseconds, 700, 900);
        Assert.InRange(good.ErrorRate, 0, 0.005);
        Assert.InRange(good.MeanLatencyMilliseconds, 15, 40);
    }

    [Fact]
    public void ABTesting_InsidersCarryTheHeader_AndOnlyTheyReachTheCanary()
    {
        var canary = Install(SampleVariant.ABTesting, GoodImage);
        Routes.Initialize(_server, canary, GoodImage, 0, 100);

        var before = _traffic.Snapshot();
        _traffic.Send(1000);
        var sent = _traffic.Snapshot().Since(before);

        Assert.Equal(200, sent.Route(Ns, "podinfo-ab")!.Insiders);
        Assert.Equal(200, sent.RequestsTo(Ns, "podinfo-ab"));
        Assert.Equal(800, sent.RequestsTo(Ns, "podinfo-ab-primary"));
    }

    [Fact]
    public void BlueGreenMirror_CanaryGetsACopyOfThePrimaryTraffic()
    {
        var canary = Install(SampleVariant.BlueGreen, GoodImage);
        Routes.Initialize(_server, canary, GoodImage, 100, 0, mirrored: true);

        var before = _traffic.Snapshot();
        _traffic.Send(300);
        var sent = _traffic.Snapshot().Since(before);

        Assert.Equal(300, sent.RequestsTo(Ns, "podinfo-bg-primary"));
        Assert.Equal(300, sent.RequestsTo(Ns, "podinfo-bg"));
        Assert.Equal(300, sent.Route(Ns, "podinfo-bg")!.Mirrored);
        Assert.True(sent.Route(Ns, "podinfo-bg")!.Weights!.Mirrored);
    }

    [Fact]
    public void BlueGreenMirrorWeight_CanaryGetsThatPercentOfTheRequestsEvenlySpread()
    {
        var canary = Install(SampleVariant.BlueGreen, GoodImage);
        canary.Spec.Analysis!.MirrorWeight = 25;
        Routes.Initialize(_server, canary, GoodImage, 100, 0, mirrored: true);

        var before = _traffic.Snapshot();
        _traffic.Send(4);
        var firstFour = _traffic.Snapshot().Since(before);
        _traffic.Send(396);
        var sent = _traffic.Snapshot().Since(before);

        // requestMirror.percent 25: one request in four, every fourth one, so even a short window gets its share.
        Assert.Equal(1, firstFour.Route(Ns, "podinfo-bg")!.Mirrored);
        Assert.Equal(400, sent.RequestsTo(Ns, "podinfo-bg-primary"));
        Assert.Equal(100, sent.RequestsTo(Ns, "podinfo-bg"));
        Assert.Equal(100, sent.Route(Ns, "podinfo-bg")!.Mirrored);
        Assert.True(sent.Route(Ns, "podinfo-bg")!.Weights!.Mirrored);
    }

    [Fact]
    public void RouteNotYetAccepted_TheGatewayKeepsServingTheAcceptedSplit()
    {
        var canary = Install(SampleVariant.Progressive, GoodImage);
        Routes.Initialize(_server, canary, GoodImage, 100, 0);
        _traffic.Send(10);
        _server.Gateway.Automatic = false;
        try
        {
            Routes.SetRoute(_server, canary, 50, 50);
            var before = _traffic.Snapshot();
            _traffic.Send(100);
            Assert.Equal(0, _traffic.Snapshot().Since(before).RequestsTo(Ns, "podinfo"));

            _server.Gateway.AcceptRoutes();
            before = _traffic.Snapshot();
            _traffic.Send(100);
            Assert.Equal(50, _traffic.Snapshot().Since(before).RequestsTo(Ns, "podinfo"));
        }
        finally
        {
            _server.Gateway.Automatic = true;
        }
    }

    [Fact]
    public void NewImageNotReadyYet_OldPodsKeepServing()
    {
        var canary = Install(SampleVariant.Progressive, GoodImage);
        Routes.Initialize(_server, canary, GoodImage, 0, 100);
        _traffic.Send(10);
        _server.Deployments.Automatic = false;
        try
        {
            using (var client = _server.CreateClient())
            {
                client.AppsV1.PatchNamespacedDeployment(
                    new k8s.Models.V1Patch("""{"spec":{"template":{"spec":{"containers":[{"name":"podinfod","image":"IMAGE"}]}}}}""".Replace("IMAGE", BadImage, StringComparison.Ordinal),
                        k8s.Models.V1Patch.PatchType.StrategicMergePatch), "podinfo", Ns);
            }

            var before = _traffic.Snapshot();
            _traffic.Send(100);
            Assert.Equal(GoodImage, Assert.Single(_traffic.Snapshot().Since(before).Workloads, w => w.Deployment == "podinfo").Image);

            _server.Deployments.CompleteRollouts();
            before = _traffic.Snapshot();
            _traffic.Send(100);
            var after = _traffic.Snapshot().Since(before);
            Assert.Equal(BadImage, Assert.Single(after.Workloads, w => w.Deployment == "podinfo").Image);
            Assert.All(after.Pods.Where(p => p.Deployment == "podinfo" && p.Requests > 0), p => Assert.Equal(BadImage, p.Image));
        }
        finally
        {
            _server.Deployments.Automatic = true;
        }
    }

    [Theory]
    [InlineData("contosoacr.azurecr.io/podinfo:6.2.0-bad@sha256:4b3c1f0e9a8d7c6b5a49382716f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3", true)]
    [InlineData("contosoacr.azurecr.io/podinfo:6.1.0@sha256:badbadbadbad", false)]
    [InlineData("contosoacr.azurecr.io/podinfo:6.0.1-bad", true)]
    [InlineData("contosoacr.azurecr.io/podinfo:BAD", true)]
    [InlineData("contosoacr.azurecr.io/podinfo:6.0.0", false)]
    [InlineData("contosoacr.azurecr.io/badger/podinfo:6.0.0", false)]
    [InlineData("localhost:5000/podinfo", false)]
    public void Behaviour_DependsOnTheImageTag(string image, bool bad) =>
        Assert.Equal(bad ? PodBehaviour.Bad : PodBehaviour.Good, PodBehaviour.ForImage(image));

    /// <summary>The sample app's target Deployment, ConfigMap and Canary in a fresh store.</summary>
    private Core.Model.Canary Install(SampleVariant variant, string targetImage)
    {
        _server.Reset();
        var app = SampleApp.NameOf(variant);
        _server.Seed(SampleApp.ConfigMap(Ns, app));
        _server.Seed(SampleApp.Deployment(Ns, app, targetImage, 2));
        var canary = SampleApp.Canary(Ns, variant, new SandboxOptions());
        _server.Seed(canary);
        return Routes.Canary(Ns, variant);
    }
}
