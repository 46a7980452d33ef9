using Azure;
using System.Text;
using System.Text.Json.Nodes;
using Flagger.Core.Registry;
using Flagger.Infrastructure.Kubernetes;
using Flagger.Infrastructure.Registry;
using Flagger.Infrastructure.Tests.Support;
using Flagger.Sandbox.Kubernetes;
using Flagger.Testing.Kubernetes;
using Flagger.Testing.Registry;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Flagger.Infrastructure.Tests.Registry.RegistryHarness;

namespace Flagger.Infrastructure.Tests.Registry;

/// <summary>
/// Pushes to targets Flux or Argo CD apply from Git, over the fake API server with the real catalog, webhook and
/// Kubernetes event recorder: left alone by default (the controller would revert the patch), reported with the
/// controller and the label or annotation seen, one Normal Event per delivery; patched when the setting or the
/// Canary's annotation says so; an unmanaged target beside them is patched as before.
/// </summary>
[Collection(FakeApiServerCollection.Name)]
public sealed class GitOpsTargetTests(FakeApiServerFixture fixture)
{
    private const string Running = RegistryHost + "/podinfo:6.0.0";
    private static readonly DateTimeOffset s_t0 = new(2026, 12, 3, 9, 0, 0, TimeSpan.Zero);

    private readonly RecordingRolloutScheduler _scheduler = new();
    private readonly InMemoryRolloutStore _store = new();

    /// <summary>A controller's marks on the target Deployment: labels and annotations as "l:key=value" / "a:key=value".</summary>
    public static TheoryData<string, string, string, string[]> Managed => new()
    {
        { "Flux", "labels kustomize.toolkit.fluxcd.io/name=apps, kustomize.toolkit.fluxcd.io/namespace=flux-system", "",
            ["l:kustomize.toolkit.fluxcd.io/name=apps", "l:kustomize.toolkit.fluxcd.io/namespace=flux-system"] },
        { "Flux", "labels helm.toolkit.fluxcd.io/name=podinfo, helm.toolkit.fluxcd.io/namespace=apps", "",
            ["l:helm.toolkit.fluxcd.io/name=podinfo", "l:helm.toolkit.fluxcd.io/namespace=apps", "l:app.kubernetes.io/instance=podinfo"] },
        { "Argo CD", "annotation argocd.argoproj.io/tracking-id=podinfo:apps/Deployment:{ns}/managed", "",
            ["a:argocd.argoproj.io/tracking-id=podinfo:apps/Deployment:{ns}/managed"] },
        { "Argo CD", "label app.kubernetes.io/instance=podinfo with annotation argocd.argoproj.io/sync-options", "",
            ["l:app.kubernetes.io/instance=podinfo", "a:argocd.argoproj.io/sync-options=Validate=false"] },
        { "a GitOps controller", "label app.kubernetes.io/instance=podinfo, listed in Registry__GitOpsLabels", "app.kubernetes.io/instance",
            ["l:app.kubernetes.io/instance=podinfo"] },
    };

    [Theory]
    [MemberData(nameof(Managed))]
    public async Task Push_ToAGitOpsManagedTarget_IsNotPatched_TheReportNamesTheControllerAndMark_AndTheUnmanagedTargetIsPatched(
        string controller, string evidence, string gitOpsLabels, string[] marks)
    {
        var (server, ns) = (fixture.FreshServer(), fixture.NewNamespace());
        SeedCanary(server, ns, "managed", marks);
        // A Helm chart's instance label alone: not a GitOps mark (unless listed in Registry__GitOpsLabels).
        SeedCanary(server, ns, "plain", gitOpsLabels.Length == 0 ? ["l:app.kubernetes.io/instance=plain"] : []);
        server.Requests.Clear();

        var response = await Webhook(server, ns, new RegistryOptions { GitOpsLabels = gitOpsLabels }).HandleAsync(Push("e1", "6.0.1"), CancellationToken.None);

        Assert.Equal(200, response.Status);
        Assert.Equal(Running, Image(server, ns, "managed"));
        Assert.StartsWith(RegistryHost + "/podinfo:6.0.1@", Image(server, ns, "plain"), StringComparison.Ordinal);
        var canaries = Assert.Single(Report(response).Events).Canaries.ToDictionary(c => c.Name);
        Assert.Equal(CanaryOutcome.Patched, canaries["plain"].Outcome);
        var managed = canaries["managed"];
        Assert.Equal((CanaryOutcome.GitOpsManaged, "podinfod", Running), (managed.Outcome, managed.Container, managed.From));
        Assert.Null(managed.To);
        Assert.StartsWith($"deployment managed.{ns} is applied by {controller} ({evidence.Replace("{ns}", ns, StringComparison.Ordinal)}), which would revert a patch", managed.Reason, StringComparison.Ordinal);
        Assert.Equal(["plain"], _scheduler.Signals.Select(s => s.Name));
        var note = Assert.Single(Events(server, ns, "managed"));
        Assert.Equal("Normal", (string?)note["type"]);
        Assert.Equal(1, (int?)note["count"]);
        Assert.Equal($"Push of {RegistryHost}/podinfo:6.0.1@{Digest("6.0.1")} not deployed: {managed.Reason}", (string?)note["message"]);
        // Left alone at no cost: the managed target's primary is not read, nothing of it is written.
        Assert.DoesNotContain(server.Requests.All, r => r.Path.EndsWith($"/namespaces/{ns}/deployments/managed-primary", StringComparison.Ordinal));
        Assert.DoesNotContain(server.Requests.All, r => r.IsWrite && r.Path.EndsWith($"/namespaces/{ns}/deployments/managed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Redeliveries_OfTheSameEvent_RecordTheEventOnce_AndANewPushRecordsAnother()
    {
        var (server, ns) = (fixture.FreshServer(), fixture.NewNamespace());
        SeedCanary(server, ns, "managed", ["l:kustomize.toolkit.fluxcd.io/name=apps", "l:kustomize.toolkit.fluxcd.io/namespace=flux-system"]);
        var webhook = Webhook(server, ns, new RegistryOptions());
        _store.DeliveryFailures.Enqueue(new RequestFailedException(503, "Server busy"));

        var failed = await webhook.HandleAsync(Push("e1", "6.0.1"), CancellationToken.None);
        Assert.Equal(503, failed.Status);
        Assert.Empty(Events(server, ns, "managed"));

        var outcomes = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var response = await webhook.HandleAsync(Push("e1", "6.0.1"), CancellationToken.None);
            Assert.Equal(200, response.Status);
            var e = Assert.Single(Report(response).Events);
            Assert.Equal(CanaryOutcome.GitOpsManaged, Assert.Single(e.Canaries).Outcome);
            outcomes.Add(e.Outcome);
        }

        Assert.Equal([EventOutcome.Handled, EventOutcome.Duplicate, EventOutcome.Duplicate], outcomes);
        var once = Assert.Single(Events(server, ns, "managed"));
        Assert.Equal(1, (int?)once["count"]);

        await webhook.HandleAsync(Push("e2", "6.0.2"), CancellationToken.None);

        Assert.Equal(2, Events(server, ns, "managed").Count);
        Assert.Contains(Events(server, ns, "managed"), e => ((string?)e["message"])!.StartsWith($"Push of {RegistryHost}/podinfo:6.0.2@", StringComparison.Ordinal));
        Assert.Equal(Running, Image(server, ns, "managed"));
        Assert.Empty(_scheduler.Signals);
    }

    public static TheoryData<string, string[]> ManagedMarks()
    {
        var data = new TheoryData<string, string[]>();
        foreach (var row in Managed)
        {
            data.Add((string)row[2], (string[])row[3]);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ManagedMarks))]
    public async Task SettingPatch_PatchesAGitOpsManagedTarget_AsAnyOther(string gitOpsLabels, string[] marks)
    {
        var (server, ns) = (fixture.FreshServer(), fixture.NewNamespace());
        SeedCanary(server, ns, "managed", marks);

        var response = await Webhook(server, ns, new RegistryOptions { GitOpsTargets = GitOpsTargets.Patch, GitOpsLabels = gitOpsLabels })
            .HandleAsync(Push("e1", "6.0.1"), CancellationToken.None);

        Assert.Equal(CanaryOutcome.Patched, Assert.Single(Assert.Single(Report(response).Events).Canaries).Outcome);
        Assert.StartsWith(RegistryHost + "/podinfo:6.0.1@", Image(server, ns, "managed"), StringComparison.Ordinal);
        Assert.Equal(["managed"], _scheduler.Signals.Select(s => s.Name));
        Assert.Empty(Events(server, ns, "managed"));
    }

    [Fact]
    public async Task CanaryAnnotation_OverridesTheSettingForThatCanaryOnly_AndAnUnknownValueSkipsNamingIt()
    {
        var (server, ns) = (fixture.FreshServer(), fixture.NewNamespace());
        string[] flux = ["l:kustomize.toolkit.fluxcd.io/name=apps"];
        SeedCanary(server, ns, "opted-in", flux, new Dictionary<string, string> { [GitOpsTargetPolicy.Annotation] = "patch" });
        SeedCanary(server, ns, "default", flux);
        SeedCanary(server, ns, "typo", flux, new Dictionary<string, string> { [GitOpsTargetPolicy.Annotation] = "yes" });

        var response = await Webhook(server, ns, new RegistryOptions()).HandleAsync(Push("e1", "6.0.1"), CancellationToken.None);

        var canaries = Assert.Single(Report(response).Events).Canaries.ToDictionary(c => c.Name);
        Assert.Equal(CanaryOutcome.Patched, canaries["opted-in"].Outcome);
        Assert.StartsWith(RegistryHost + "/podinfo:6.0.1@", Image(server, ns, "opted-in"), StringComparison.Ordinal);
        Assert.Equal(CanaryOutcome.GitOpsManaged, canaries["default"].Outcome);
        Assert.EndsWith($"(Registry__GitOpsTargets=patch, or the Canary annotation {GitOpsTargetPolicy.Annotation}: patch, deploys pushes to it)", canaries["default"].Reason, StringComparison.Ordinal);
        Assert.Equal(CanaryOutcome.GitOpsManaged, canaries["typo"].Outcome);
        Assert.EndsWith($"(annotation {GitOpsTargetPolicy.Annotation}: 'yes' is neither patch nor skip; skipped)", canaries["typo"].Reason, StringComparison.Ordinal);
        Assert.Equal(Running, Image(server, ns, "default"));
        Assert.Equal(Running, Image(server, ns, "typo"));
        Assert.Equal(["opted-in"], _scheduler.Signals.Select(s => s.Name));
    }

    [Fact]
    public async Task PolicyRefusal_ComesFirst_AGitOpsTargetAlreadyAtThePushIsUnchangedWithoutAnEvent()
    {
        // Flux image automation committed the tag and Flux applied it before the push's event arrived.
        var (server, ns) = (fixture.FreshServer(), fixture.NewNamespace());
        SeedCanary(server, ns, "managed", ["l:kustomize.toolkit.fluxcd.io/name=apps"], image: $"{RegistryHost}/podinfo:6.0.1@{Digest("6.0.1")}");

        var response = await Webhook(server, ns, new RegistryOptions()).HandleAsync(Push("e1", "6.0.1"), CancellationToken.None);

        Assert.Equal(CanaryOutcome.Unchanged, Assert.Single(Assert.Single(Report(response).Events).Canaries).Outcome);
        Assert.Empty(Events(server, ns, "managed"));
    }

    private RegistryWebhook Webhook(FakeKubernetesApiServer server, string ns, RegistryOptions options)
    {
        options.WatchNamespaces = ns;
        var client = server.CreateClient();
        var events = new KubernetesEventRecorder(client, TimeProvider.System, NullLogger<KubernetesEventRecorder>.Instance);
        return new RegistryWebhook(
            new KubernetesCanaryCatalog(client, Options.Create(options), events, NullLogger<KubernetesCanaryCatalog>.Instance),
            _scheduler,
            _store,
            Options.Create(options),
            TimeProvider.System,
            NullLogger<RegistryWebhook>.Instance);
    }

    private static string Digest(string tag) => "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(tag)));

    private static RegistryRequest Push(string id, string tag) =>
        Post(EventGridEvent(id, tag, Digest(tag), s_t0.AddMinutes(int.Parse(tag[^1..], System.Globalization.CultureInfo.InvariantCulture))));

    private static string Image(FakeKubernetesApiServer server, string ns, string target) =>
        server.Get<V1Deployment>(ns, target)!.Spec.Template.Spec.Containers.Single(c => c.Name == "podinfod").Image;

    private static List<JsonObject> Events(FakeKubernetesApiServer server, string ns, string canary) =>
        [.. server.List("v1", "Event", ns).Where(e => (string?)e["involvedObject"]?["name"] == canary)];

    /// <summary>An initialised, valid Canary whose target (and primary) run <paramref name="image"/>; the target carries <paramref name="marks"/>.</summary>
    internal static void SeedCanary(FakeKubernetesApiServer server, string ns, string name, string[] marks, IReadOnlyDictionary<string, string>? canaryAnnotations = null, string image = Running)
    {
        var target = TestDeployments.Of(ns, name, new V1Container { Name = "podinfod", Image = image });
        target.Metadata.Labels = new Dictionary<string, string>();
        target.Metadata.Annotations = new Dictionary<string, string>();
        foreach (var mark in marks)
        {
            var pair = mark[2..].Replace("{ns}", ns, StringComparison.Ordinal).Split('=', 2);
            (mark.StartsWith("l:", StringComparison.Ordinal) ? target.Metadata.Labels : target.Metadata.Annotations)[pair[0]] = pair[1];
        }

        server.Seed(target);
        server.Seed(TestDeployments.Of(ns, $"{name}-primary", new V1Container { Name = "podinfod", Image = image }));
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = ns };
        if (canaryAnnotations is not null)
        {
            metadata["annotations"] = new JsonObject(canaryAnnotations.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value)));
        }

        server.Seed(new JsonObject
        {
            ["apiVersion"] = "flagger.app/v1beta1",
            ["kind"] = "Canary",
            ["metadata"] = metadata,
            ["spec"] = new JsonObject
            {
                ["targetRef"] = new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = name },
                ["service"] = new JsonObject
                {
                    ["port"] = 9898,
                    ["gatewayRefs"] = new JsonArray(new JsonObject { ["name"] = "public", ["namespace"] = "gateway-system" }),
                },
                ["analysis"] = new JsonObject { ["interval"] = "1m", ["threshold"] = 5, ["maxWeight"] = 50, ["stepWeight"] = 10 },
            },
            ["status"] = new JsonObject { ["phase"] = "Succeeded" },
        });
    }
}
