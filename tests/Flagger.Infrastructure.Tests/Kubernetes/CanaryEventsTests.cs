using System.Globalization;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Infrastructure.Kubernetes;
using Flagger.Infrastructure.Tests.Support;
using Flagger.Testing.Canaries;
using Flagger.Testing.Kubernetes;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Flagger.Infrastructure.Tests.Kubernetes;

/// <summary>A Canary's Events as the API lists them: recorded by the real recorder, read back with the real KubernetesClient from the fake API server.</summary>
[Collection(FakeApiServerCollection.Name)]
public sealed class CanaryEventsTests(FakeApiServerFixture fixture)
{
    private static readonly DateTimeOffset s_start = DateTimeOffset.Parse("2026-11-26T09:00:00Z", CultureInfo.InvariantCulture);

    [Fact]
    public async Task ListEventsAsync_ReturnsThisCanarysEventsOnly_NewestFirst_WithTheirCounts()
    {
        var server = fixture.FreshServer();
        var ns = fixture.NewNamespace();
        var canary = server.Seed(Podinfo.Canary().WithNamespace(ns).Build());
        var other = server.Seed(Podinfo.Canary().WithNamespace(ns).WithName("other").Build());
        var client = server.CreateClient(TimeSpan.FromSeconds(5));
        var time = new FakeTimeProvider(s_start);
        var recorder = new KubernetesEventRecorder(client, time, NullLogger<KubernetesEventRecorder>.Instance);

        await recorder.RecordAsync(canary, new RecordEvent(EventSeverity.Info, "New revision detected! Scaling up podinfo", CanaryPhase.Progressing), CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(1));
        await recorder.RecordAsync(canary, new RecordEvent(EventSeverity.Warning, "Halt advancement no values found", CanaryPhase.Progressing), CancellationToken.None);
        await recorder.RecordAsync(other, new RecordEvent(EventSeverity.Info, "Initialization done! other", CanaryPhase.Initialized), CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(1));
        await recorder.RecordAsync(canary, new RecordEvent(EventSeverity.Info, "New revision detected! Scaling up podinfo", CanaryPhase.Progressing), CancellationToken.None);
        // Same name, other kinds of object, and an earlier Canary of the same name (another uid): none of them is this Canary's.
        server.Seed(Event(ns, "podinfo.deployment", "Deployment", "podinfo", uid: null, "Scaled up replica set podinfo-5d4f to 2"));
        server.Seed(Event(ns, "podinfo.old", Canary.KubeKind, "podinfo", uid: "0f0e0d0c-old", "Initialization done! podinfo (before it was re-created)"));

        var events = await new KubernetesCanaryCluster(client).ListEventsAsync(canary, CancellationToken.None);

        Assert.Equal(
            [
                ("Normal", "Synced", "New revision detected! Scaling up podinfo", 2, s_start, s_start.AddMinutes(2), "flagger"),
                ("Warning", "Synced", "Halt advancement no values found", 1, s_start.AddMinutes(1), s_start.AddMinutes(1), "flagger"),
            ],
            events.Select(e => (e.Type, e.Reason, e.Message, e.Count, e.FirstSeen!.Value, e.LastSeen!.Value, e.Source)));
    }

    [Fact]
    public async Task ListEventsAsync_ACanaryWithNoEvents_IsEmpty()
    {
        var server = fixture.FreshServer();
        var canary = server.Seed(Podinfo.Canary().WithNamespace(fixture.NewNamespace()).Build());

        var events = await new KubernetesCanaryCluster(server.CreateClient(TimeSpan.FromSeconds(5))).ListEventsAsync(canary, CancellationToken.None);

        Assert.Empty(events);
    }

    private static Corev1Event Event(string ns, string name, string kind, string involvedName, string? uid, string message) => new()
    {
        ApiVersion = "v1",
        Kind = "Event",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        InvolvedObject = new V1ObjectReference { Kind = kind, Name = involvedName, NamespaceProperty = ns, Uid = uid },
        Reason = "Synced",
        Message = message,
        Type = "Normal",
        Count = 1,
        FirstTimestamp = s_start.UtcDateTime,
        LastTimestamp = s_start.AddMinutes(5).UtcDateTime,
    };
}
