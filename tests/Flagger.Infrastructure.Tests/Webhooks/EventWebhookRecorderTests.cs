using System.Text.Json;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Infrastructure.Tests.Support;
using Flagger.Infrastructure.Webhooks;
using Flagger.Testing.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Flagger.Infrastructure.Tests.Webhooks;

public sealed class EventWebhookRecorderTests(ReceiverFixture fixture) : IClassFixture<ReceiverFixture>
{
    private readonly HttpReceiver _receiver = fixture.Receiver;

    [Fact]
    public async Task RecordAsync_CanaryEventHook_PostsEventMetadataAndHookKeysThatDoNotCollide()
    {
        var hook = new CanaryWebhook
        {
            Name = "events",
            Type = WebhookType.Event,
            Url = _receiver.Url("/events/own").ToString(),
            Metadata = new Dictionary<string, string> { ["environment"] = "prod", ["eventMessage"] = "must not win" },
        };
        var canary = TestServices.Canary(analysis: new CanaryAnalysis { Webhooks = [hook] }, status: new CanaryStatus { Phase = CanaryPhase.Progressing });
        var inner = new ListRecorder();
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using var services = TestServices.Build(more: s => s.AddSingleton<IEventRecorder>(inner).AddEventWebhooks());

        await services.GetRequiredService<IEventRecorder>()
            .RecordAsync(canary, new RecordEvent(EventSeverity.Warning, "Halt advancement podinfo.test", CanaryPhase.Progressing), CancellationToken.None);

        Assert.Single(inner.Events);
        using var json = JsonDocument.Parse(Assert.Single(_receiver.RequestsTo("/events/own")).Body);
        var root = json.RootElement;
        Assert.Equal("podinfo", root.GetProperty("name").GetString());
        Assert.Equal("Progressing", root.GetProperty("phase").GetString());
        var metadata = root.GetProperty("metadata").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.Equal(["eventMessage", "eventType", "timestamp", "environment"], metadata.Keys);
        Assert.Equal("Halt advancement podinfo.test", metadata["eventMessage"]);
        Assert.Equal("Warning", metadata["eventType"]);
        Assert.Equal("prod", metadata["environment"]);
        Assert.InRange(long.Parse(metadata["timestamp"]!, System.Globalization.CultureInfo.InvariantCulture), before, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    [Theory]
    [InlineData(EventSeverity.Info, "Normal")]
    [InlineData(EventSeverity.Warning, "Warning")]
    [InlineData(EventSeverity.Error, "Warning")]
    public void Payload_Severity_MapsToKubernetesEventType(EventSeverity severity, string expected)
    {
        var payload = EventWebhookRecorder.Payload(
            TestServices.Canary(), new RecordEvent(severity, "m", CanaryPhase.Progressing), new CanaryWebhook(), DateTimeOffset.UnixEpoch.AddMilliseconds(1234));

        Assert.Equal(expected, payload.Metadata![EventWebhookRecorder.EventTypeKey]);
        Assert.Equal("1234", payload.Metadata[EventWebhookRecorder.TimestampKey]);
    }

    [Fact]
    public void Payload_EventWithoutPhase_UsesCanaryPhase()
    {
        var canary = TestServices.Canary(status: new CanaryStatus { Phase = CanaryPhase.Waiting });

        var payload = EventWebhookRecorder.Payload(canary, new RecordEvent(EventSeverity.Info, "m", null), new CanaryWebhook(), DateTimeOffset.UnixEpoch);

        Assert.Equal("Waiting", payload.Phase);
    }

    [Fact]
    public async Task RecordAsync_NoCanaryEventHook_UsesGlobalEventWebhook()
    {
        var canary = TestServices.Canary(analysis: new CanaryAnalysis { Webhooks = [new CanaryWebhook { Name = "load", Url = _receiver.Url("/events/not-an-event-hook").ToString() }] });
        await using var services = TestServices.Build(
            webhooks: o => o.EventWebhookUrl = _receiver.Url("/events/global").ToString(),
            more: s => s.AddSingleton<IEventRecorder>(new ListRecorder()).AddEventWebhooks());

        await services.GetRequiredService<IEventRecorder>().RecordAsync(canary, new RecordEvent(EventSeverity.Info, "Initialization done!", CanaryPhase.Initialized), CancellationToken.None);

        using var json = JsonDocument.Parse(Assert.Single(_receiver.RequestsTo("/events/global")).Body);
        Assert.Equal("Initialization done!", json.RootElement.GetProperty("metadata").GetProperty("eventMessage").GetString());
        Assert.Empty(_receiver.RequestsTo("/events/not-an-event-hook"));
    }

    [Fact]
    public async Task RecordAsync_CanaryEventHook_ReplacesGlobalEventWebhook()
    {
        var hook = new CanaryWebhook { Name = "mine", Type = WebhookType.Event, Url = _receiver.Url("/events/replacing").ToString() };
        await using var services = TestServices.Build(
            webhooks: o => o.EventWebhookUrl = _receiver.Url("/events/global-replaced").ToString(),
            more: s => s.AddSingleton<IEventRecorder>(new ListRecorder()).AddEventWebhooks());

        await services.GetRequiredService<IEventRecorder>().RecordAsync(
            TestServices.Canary(analysis: new CanaryAnalysis { Webhooks = [hook] }), new RecordEvent(EventSeverity.Info, "m", null), CancellationToken.None);

        Assert.Single(_receiver.RequestsTo("/events/replacing"));
        Assert.Empty(_receiver.RequestsTo("/events/global-replaced"));
    }

    [Fact]
    public async Task RecordAsync_FailingAndUnreachableHooks_NeverThrowAndAreLogged()
    {
        _receiver.Answer("/events/failing", new ReceiverAnswer(500, "nope"));
        var hooks = new List<CanaryWebhook>
        {
            new() { Name = "failing", Type = WebhookType.Event, Url = _receiver.Url("/events/failing").ToString() },
            new() { Name = "closed", Type = WebhookType.Event, Url = $"http://127.0.0.1:{HttpReceiver.UnusedPort()}/" },
            new() { Name = "after", Type = WebhookType.Event, Url = _receiver.Url("/events/after").ToString() },
        };
        var inner = new ListRecorder();
        await using var services = TestServices.Build(more: s => s.AddSingleton<IEventRecorder>(inner).AddEventWebhooks());

        await services.GetRequiredService<IEventRecorder>().RecordAsync(
            TestServices.Canary(analysis: new CanaryAnalysis { Webhooks = hooks }), new RecordEvent(EventSeverity.Info, "m", null), CancellationToken.None);

        Assert.Single(inner.Events);
        Assert.Single(_receiver.RequestsTo("/events/after"));
        var warnings = services.Logger<EventWebhookRecorder>().Entries;
        Assert.Equal(2, warnings.Count);
        Assert.Contains(warnings, e => e.Message.Contains("failing", StringComparison.Ordinal) && e.Message.Contains("500", StringComparison.Ordinal));
        Assert.Contains(warnings, e => e.Message.Contains("closed", StringComparison.Ordinal) && e.Message.Contains("Connection refused", StringComparison.Ordinal));
    }

    private sealed class ListRecorder : IEventRecorder
    {
        public List<RecordEvent> Events { get; } = [];

        public Task RecordAsync(Canary canary, RecordEvent canaryEvent, CancellationToken cancellationToken)
        {
            Events.Add(canaryEvent);
            return Task.CompletedTask;
        }
    }
}
