using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Flagger.Core.Model;
using Flagger.Infrastructure.Registry;
using Flagger.Sandbox.Kubernetes;
using Flagger.Infrastructure.Tests.Support;
using Flagger.Testing.Kubernetes;
using Flagger.Testing.Registry;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Flagger.Infrastructure.Tests.Registry.RegistryHarness;

namespace Flagger.Infrastructure.Tests.Registry;

/// <summary>
/// The registry's half of the safety promise, tried at random over the fake API server with the real catalog
/// and webhook: good canaries next to invalid, unreadable, uninitialised, primary-less and target-less ones and
/// ones whose target Flux or Argo CD applies from Git (left to the Git change by default),
/// sharing repositories, and random deliveries (new tags, the running tag, older tags, redeliveries of an id,
/// an empty id). The same deliveries go to a control cluster that holds only the good canaries. After every
/// delivery: (I4) no target of a bad canary was patched; (I7) every good canary's image and report entry are
/// those of the control, so a bad canary changes no other's outcome; (I5) no good canary's version went down;
/// a malformed delivery answers 400 and changes nothing. <c>FLAGGER_SAFETY_ITERATIONS</c> raises the run count.
/// </summary>
[Collection(FakeApiServerCollection.Name)]
public sealed class RegistrySafetyTests(FakeApiServerFixture fixture)
{
    private static readonly long s_iterations = long.TryParse(Environment.GetEnvironmentVariable("FLAGGER_SAFETY_ITERATIONS"), out var n) ? Math.Max(1, n / 10) : 40;
    private static readonly string[] s_versions = ["0.9.0", "1.0.0", "1.1.0", "1.2.0", "2.0.0"];

    public enum Kind
    {
        Good,
        Invalid,
        Unreadable,
        Uninitialised,
        NoPrimary,
        NoTarget,
        Flux,
        Argo,
    }

    public sealed record Delivery(int Repository, int Version, int Id, bool EmptyId)
    {
        public override string ToString() => EmptyId ? "empty-id" : $"app{Repository}:{s_versions[Version]}#{Id}";
    }

    public sealed record Scenario(IReadOnlyList<Kind> Canaries, IReadOnlyList<Delivery> Deliveries)
    {
        public override string ToString() => $"canaries [{string.Join(", ", Canaries)}], deliveries [{string.Join(", ", Deliveries)}]";
    }

    private static readonly Gen<Scenario> s_gen =
        from kinds in Gen.Enum<Kind>().Array[2, 7]
        from deliveries in Gen.Select(Gen.Int[0, 1], Gen.Int[0, s_versions.Length - 1], Gen.Int[0, 5], Gen.Int[0, 15])
            .Select(t => new Delivery(t.Item1, t.Item2, t.Item3, t.Item4 == 0))
            .Array[1, 12]
        select new Scenario([Kind.Good, .. kinds], deliveries);

    [Fact]
    public async Task RandomDeliveriesToGoodAndBadCanaries_PatchOnlyGoodOnes_AsIfTheBadOnesWereNotThere()
    {
        var runs = 0;
        var patched = 0;
        var skipped = 0;
        var gitOps = 0;
        await s_gen.SampleAsync(
            async scenario =>
            {
                var counts = await RunAsync(scenario);
                runs++;
                patched += counts.Patched;
                skipped += counts.Skipped;
                gitOps += counts.GitOps;
            },
            iter: s_iterations,
            threads: 1,
            print: s => s.ToString());

        Assert.True(patched > 0, "no run ever patched a good canary");
        Assert.True(skipped > 0, "no run ever skipped a bad canary");
        Assert.True(gitOps > 0, "no run ever left a GitOps-managed target to its controller");
        Console.WriteLine($"registry safety: {runs} runs, {patched} patches, {skipped} skipped canaries, {gitOps} GitOps-managed targets left alone");
    }

    private async Task<(int Patched, int Skipped, int GitOps)> RunAsync(Scenario scenario)
    {
        var server = fixture.FreshServer();
        var (mixed, control) = (fixture.NewNamespace(), fixture.NewNamespace());
        for (var i = 0; i < scenario.Canaries.Count; i++)
        {
            SeedCanary(server, mixed, i, scenario.Canaries[i]);
            if (scenario.Canaries[i] == Kind.Good)
            {
                SeedCanary(server, control, i, Kind.Good);
            }
        }

        var mixedWebhook = Webhook(server, mixed);
        var controlWebhook = Webhook(server, control);
        var before = Images(server, mixed, scenario.Canaries.Count);
        var (patched, skipped, gitOps) = (0, 0, 0);
        for (var step = 0; step < scenario.Deliveries.Count; step++)
        {
            var delivery = scenario.Deliveries[step];
            var body = Encoding.UTF8.GetBytes(EventGridEvent(
                delivery.EmptyId ? "" : $"event-{delivery.Id}",
                s_versions[delivery.Version],
                $"sha256:{delivery.Version:D64}",
                new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero).AddMinutes(step),
                repository: $"app{delivery.Repository}"));
            var mixedResponse = await mixedWebhook.HandleAsync(Request(body), CancellationToken.None);
            var controlResponse = await controlWebhook.HandleAsync(Request(body), CancellationToken.None);
            var context = $"after {delivery} (step {step}); {scenario}";

            var now = Images(server, mixed, scenario.Canaries.Count);
            for (var i = 0; i < scenario.Canaries.Count; i++)
            {
                if (scenario.Canaries[i] != Kind.Good)
                {
                    Assert.True(now[i] == before[i], $"I4: the {scenario.Canaries[i]} canary c{i}'s target went {before[i]} → {now[i]} {context}");
                }
                else
                {
                    Assert.True(Version(now[i]) >= Version(before[i]), $"I5: c{i} went {before[i]} → {now[i]} {context}");
                }
            }

            if (delivery.EmptyId)
            {
                Assert.True(mixedResponse.Status == 400, $"an empty id answered {mixedResponse.Status} {context}");
                Assert.Equal(before, now);
                continue;
            }

            Assert.True(mixedResponse.Status == 200, $"answered {mixedResponse.Status}: {mixedResponse.Body} {context}");
            var controlImages = Images(server, control, scenario.Canaries.Count);
            var mixedReport = Canaries(mixedResponse);
            var controlReport = Canaries(controlResponse);
            for (var i = 0; i < scenario.Canaries.Count; i++)
            {
                if (scenario.Canaries[i] == Kind.Good)
                {
                    Assert.True(now[i] == controlImages[i], $"I7: c{i} runs {now[i]}, {controlImages[i]} without the bad canaries {context}");
                    Assert.True(
                        mixedReport.GetValueOrDefault($"c{i}") == controlReport.GetValueOrDefault($"c{i}"),
                        $"I7: c{i} reported {mixedReport.GetValueOrDefault($"c{i}")}, {controlReport.GetValueOrDefault($"c{i}")} without the bad canaries {context}");
                }
            }

            patched += mixedReport.Values.Count(r => r.Outcome == CanaryOutcome.Patched);
            skipped += mixedReport.Values.Count(r => r.Outcome == CanaryOutcome.Skipped);
            gitOps += mixedReport.Values.Count(r => r.Outcome == CanaryOutcome.GitOpsManaged);
            before = now;
        }

        return (patched, skipped, gitOps);
    }

    private static RegistryWebhook Webhook(FakeKubernetesApiServer server, string ns) => new(
        new KubernetesCanaryCatalog(server.CreateClient(), Options.Create(new RegistryOptions { WatchNamespaces = ns }), new RecordingEventRecorder(), NullLogger<KubernetesCanaryCatalog>.Instance),
        new RecordingRolloutScheduler(),
        new InMemoryRolloutStore(),
        Options.Create(new RegistryOptions { WatchNamespaces = ns }),
        TimeProvider.System,
        NullLogger<RegistryWebhook>.Instance);

    private static RegistryRequest Request(byte[] body) => new("POST", new Dictionary<string, string> { ["Content-Type"] = "application/json" }, body);

    /// <summary>Each canary's report entry (outcome and reason), by canary name.</summary>
    private static Dictionary<string, (string Outcome, string? Reason)> Canaries(RegistryResponse response) =>
        Report(response).Events.SelectMany(e => e.Canaries).ToDictionary(c => c.Name, c => (c.Outcome, c.Reason));

    /// <summary>The first container's image of each canary's target (null when it has none).</summary>
    private static string?[] Images(FakeKubernetesApiServer server, string ns, int count) =>
        [.. Enumerable.Range(0, count).Select(i => server.Get<V1Deployment>(ns, $"app-{i}")?.Spec.Template.Spec.Containers[0].Image)];

    private static Version Version(string? image)
    {
        if (image is null)
        {
            return new Version(0, 0);
        }

        var reference = image.Split('@')[0];
        return System.Version.Parse(reference[(reference.LastIndexOf(':') + 1)..]);
    }

    private static void SeedCanary(FakeKubernetesApiServer server, string ns, int i, Kind kind)
    {
        var target = $"app-{i}";
        var image = $"{RegistryHost}/app{i % 2}:1.0.0";
        if (kind != Kind.NoTarget)
        {
            var deployment = TestDeployments.Of(ns, target, new V1Container { Name = "app", Image = image });
            if (kind == Kind.Flux)
            {
                deployment.Metadata.Labels = new Dictionary<string, string> { ["kustomize.toolkit.fluxcd.io/name"] = "apps", ["kustomize.toolkit.fluxcd.io/namespace"] = "flux-system" };
            }
            else if (kind == Kind.Argo)
            {
                deployment.Metadata.Annotations = new Dictionary<string, string> { ["argocd.argoproj.io/tracking-id"] = $"apps:apps/Deployment:{ns}/{target}" };
            }

            server.Seed(deployment);
        }

        if (kind is not (Kind.NoPrimary or Kind.NoTarget or Kind.Uninitialised))
        {
            server.Seed(TestDeployments.Of(ns, $"{target}-primary", new V1Container { Name = "app", Image = image }));
        }

        var canary = new JsonObject
        {
            ["apiVersion"] = "flagger.app/v1beta1",
            ["kind"] = "Canary",
            ["metadata"] = new JsonObject { ["name"] = $"c{i}", ["namespace"] = ns },
            ["spec"] = new JsonObject
            {
                ["targetRef"] = new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = target },
                ["service"] = new JsonObject
                {
                    ["port"] = 9898,
                    ["gatewayRefs"] = new JsonArray(new JsonObject { ["name"] = "public", ["namespace"] = "gateway-system" }),
                },
                ["analysis"] = new JsonObject
                {
                    ["interval"] = "1m",
                    ["threshold"] = 5,
                    ["maxWeight"] = kind == Kind.Invalid ? 150 : 50,
                    ["stepWeight"] = kind == Kind.Unreadable ? 3000000000 : 10,
                },
            },
            ["status"] = new JsonObject { ["phase"] = kind == Kind.Uninitialised ? "Initializing" : "Initialized" },
        };
        server.Seed(canary);
    }
}
