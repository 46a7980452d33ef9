using System.Collections.Concurrent;
using System.Text.Json;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Infrastructure.Alerts;
using Flagger.Infrastructure.Http;
using Flagger.Infrastructure.Kubernetes;
using Flagger.Infrastructure.Tests.Support;
using Flagger.Testing.Http;
using Flagger.Testing.Kubernetes;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flagger.Infrastructure.Tests.Alerts;

/// <summary>
/// msteams providers: an Adaptive Card in a Workflows message for a Workflows URL, Flagger's MessageCard for a
/// connector URL, the annotation and <c>Alerts:TeamsFormat</c> overriding the URL. The receiver stands in for both
/// endpoints (the URL's path is what tells them apart); AlertProviders are read from the fake API server.
/// </summary>
[Collection(FakeApiServerCollection.Name)]
public sealed class TeamsCardTests(FakeApiServerFixture cluster, ReceiverFixture fixture) : IClassFixture<ReceiverFixture>
{
    private const string Signature = "kR3tSIGNATUREsecret0123456789abcdef";
    private const string WorkflowsQuery = "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + Signature;

    private static readonly Dictionary<string, string> s_fields = new()
    {
        ["Target"] = "Deployment/podinfo.test",
        ["Failed checks threshold"] = "5",
    };

    private static readonly SendAlert s_info = new(AlertSeverity.Info, "New revision detected, progressing canary analysis.", s_fields, CanaryPhase.Progressing);

    private readonly HttpReceiver _receiver = fixture.Receiver;

    [Theory]
    [InlineData("https://prod-12.westeurope.logic.azure.com:443/workflows/0a1b2c3d/triggers/manual/paths/invoke?api-version=2016-06-01&sig=x", TeamsFormat.AdaptiveCard)]
    [InlineData("https://default0a1b2c3d.0e.environment.api.powerplatform.com/powerautomate/automations/direct/workflows/0a1b2c3d/triggers/manual/paths/invoke?api-version=1&sig=x", TeamsFormat.AdaptiveCard)]
    [InlineData("https://prod-01.usgovtexas.logic.azure.us/workflows/0a1b2c3d/triggers/manual/paths/invoke?sig=x", TeamsFormat.AdaptiveCard)]
    [InlineData("http://127.0.0.1:8080/workflows/0a1b2c3d/triggers/manual/paths/invoke?sig=x", TeamsFormat.AdaptiveCard)]
    [InlineData("https://contoso.webhook.office.com/webhookb2/1111@2222/IncomingWebhook/3333/4444", TeamsFormat.MessageCard)]
    [InlineData("https://outlook.office.com/webhook/1111@2222/IncomingWebhook/3333/4444", TeamsFormat.MessageCard)]
    [InlineData("http://127.0.0.1:8080/webhookb2/1111@2222/IncomingWebhook/3333/4444", TeamsFormat.MessageCard)]
    [InlineData("https://teams-relay.example.com/hook", TeamsFormat.MessageCard)]
    [InlineData("http://127.0.0.1:8080/workflows/0a1b2c3d/run", TeamsFormat.MessageCard)]
    public void FromUrl_WorkflowsUrlsGetAdaptiveCards_ConnectorAndUnknownUrlsMessageCards(string url, TeamsFormat expected) =>
        Assert.Equal(expected, TeamsFormats.FromUrl(new Uri(url)));

    [Fact]
    public async Task NotifyAsync_WorkflowsUrl_PostsAdaptiveCardMessageShapedAsTeamsDocumentsIt()
    {
        var path = "/workflows/shape01/triggers/manual/paths/invoke";
        _receiver.Answer(path, new ReceiverAnswer(202));
        var (requests, logs) = await NotifyProviderAsync(path, WorkflowsQuery, annotation: null, s_info);

        var request = Assert.Single(requests);
        Assert.Equal("application/json; charset=utf-8", request.Headers["Content-Type"]);
        var message = Json(request.Body);
        Assert.Empty(CardShapes.ShapeProblems(CardShapes.Fixture("teams-workflows-message.json"), message));
        var attachment = Assert.Single(message.GetProperty("attachments").EnumerateArray());
        var card = attachment.GetProperty("content");
        Assert.Empty(CardShapes.AdaptiveCardProblems(card));

        // Teams renders Adaptive Cards up to 1.4; the documented sample is 1.2.
        var version = Version.Parse(card.GetProperty("version").GetString()!);
        Assert.InRange(version, Version.Parse(CardShapes.Fixture("teams-workflows-message.json").GetProperty("attachments")[0].GetProperty("content").GetProperty("version").GetString()!), new Version(1, 4));
        Assert.Equal("Full", card.GetProperty("msteams").GetProperty("width").GetString());

        var body = card.GetProperty("body").EnumerateArray().ToList();
        Assert.Equal(["Container", "FactSet"], body.Select(e => e.GetProperty("type").GetString()));
        Assert.Equal("accent", body[0].GetProperty("style").GetString());
        Assert.Equal(["podinfo.test", s_info.Message], body[0].GetProperty("items").EnumerateArray().Select(t => t.GetProperty("text").GetString()));
        Assert.Equal(
            [("Target", "Deployment/podinfo.test"), ("Failed checks threshold", "5")],
            body[1].GetProperty("facts").EnumerateArray().Select(f => (f.GetProperty("title").GetString(), f.GetProperty("value").GetString())));

        // 202 Accepted is how a Workflow answers: a success, so nothing is logged as an error.
        Assert.DoesNotContain(logs, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task NotifyAsync_ConnectorUrl_PostsFlaggersMessageCard()
    {
        var path = "/webhookb2/1111-aaaa@2222-bbbb/IncomingWebhook/shape02/3333-cccc";
        var (requests, _) = await NotifyProviderAsync(path, "", annotation: null, s_info);

        var body = Json(Assert.Single(requests).Body);
        var recorded = CardShapes.Fixture("flagger-message-card.json");
        Assert.True(CardShapes.SameJson(recorded, body), $"sent {body}, Flagger sends {recorded}");
    }

    [Theory]
    [InlineData(AlertSeverity.Error, CanaryPhase.Failed, "attention")]
    [InlineData(AlertSeverity.Warn, CanaryPhase.Waiting, "warning")]
    [InlineData(AlertSeverity.Info, CanaryPhase.Progressing, "accent")]
    [InlineData(AlertSeverity.Info, CanaryPhase.Succeeded, "good")]
    public async Task NotifyAsync_WorkflowsUrl_SeverityIsTheHeaderContainerStyle(AlertSeverity severity, CanaryPhase phase, string style)
    {
        var path = $"/workflows/style-{severity}-{phase}/triggers/manual/paths/invoke";
        var alert = new SendAlert(severity, "Failed checks threshold reached 5", new Dictionary<string, string>(), phase);

        var (requests, _) = await NotifyProviderAsync(path, WorkflowsQuery, annotation: null, alert);

        var card = Json(Assert.Single(requests).Body).GetProperty("attachments")[0].GetProperty("content");
        Assert.Empty(CardShapes.AdaptiveCardProblems(card));
        var body = card.GetProperty("body").EnumerateArray().ToList();
        Assert.Equal(style, Assert.Single(body).GetProperty("style").GetString());
    }

    [Theory]
    [InlineData("/workflows/override01/triggers/manual/paths/invoke", TeamsFormats.MessageCardValue, "MessageCard")]
    [InlineData("/webhookb2/1111@2222/IncomingWebhook/override02/3333", TeamsFormats.AdaptiveCardValue, "message")]
    [InlineData("/workflows/override03/triggers/manual/paths/invoke", TeamsFormats.AutoValue, "message")]
    public async Task NotifyAsync_ProviderAnnotation_OverridesTheUrl(string path, string annotation, string type)
    {
        var (requests, _) = await NotifyProviderAsync(path, WorkflowsQuery, annotation, s_info);

        var body = Json(Assert.Single(requests).Body);
        Assert.Equal(type, body.TryGetProperty("@type", out var messageCard) ? messageCard.GetString() : body.GetProperty("type").GetString());
    }

    [Fact]
    public async Task NotifyAsync_UnknownAnnotationValue_IsLoggedAndTheUrlChooses()
    {
        var path = "/workflows/override04/triggers/manual/paths/invoke";

        var (requests, logs) = await NotifyProviderAsync(path, WorkflowsQuery, "AdaptiveCard", s_info);

        Assert.Equal("message", Json(Assert.Single(requests).Body).GetProperty("type").GetString());
        var entry = Assert.Single(logs, e => e.EventId.Id == 4204);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Contains($"{TeamsFormats.Annotation} 'AdaptiveCard'", entry.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/workflows/global01/triggers/manual/paths/invoke", null, "message")]
    [InlineData("/workflows/global02/triggers/manual/paths/invoke", TeamsFormats.MessageCardValue, "MessageCard")]
    [InlineData("/webhookb2/1111@2222/IncomingWebhook/global03/3333", null, "MessageCard")]
    [InlineData("/webhookb2/1111@2222/IncomingWebhook/global04/3333", TeamsFormats.AdaptiveCardValue, "message")]
    public async Task NotifyAsync_GlobalTeamsNotifier_TeamsFormatOverridesTheUrl(string path, string? format, string type)
    {
        await using var services = TestServices.Build(alerts: o =>
        {
            o.TeamsUrl = _receiver.Url(path + WorkflowsQuery).ToString();
            o.TeamsFormat = format;
        });

        await services.GetRequiredService<INotifier>().NotifyAsync(TestServices.Canary(), s_info, CancellationToken.None);

        var body = Json(Assert.Single(_receiver.RequestsTo(path)).Body);
        Assert.Equal(type, body.TryGetProperty("@type", out var messageCard) ? messageCard.GetString() : body.GetProperty("type").GetString());
    }

    [Fact]
    public async Task AlertOptions_UnknownTeamsFormat_FailsValidation()
    {
        await using var services = TestServices.Build(configuration: new Dictionary<string, string?> { ["Alerts:TeamsFormat"] = "adaptive" });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<AlertOptions>>().Value);
        Assert.Contains(nameof(AlertOptions.TeamsFormat), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NotifyAsync_WorkflowsUrlRejected_NoLogCarriesTheSignature()
    {
        var path = "/workflows/secret01/triggers/manual/paths/invoke";
        var echo = new { error = new { code = "DirectApiAuthorizationRequired", message = $"The signature in {path}{WorkflowsQuery} is not valid: signature '{Signature}' (sig={Signature})" } };
        _receiver.Answer(path, new ReceiverAnswer(401, JsonSerializer.Serialize(echo)));
        var everything = new AllLogs();

        var (requests, logs) = await NotifyProviderAsync(path, WorkflowsQuery, annotation: null, s_info, everything);

        Assert.Contains(Signature, Assert.Single(requests).Query, StringComparison.Ordinal);
        var rejected = Assert.Single(logs, e => e.EventId.Id == 4210);
        Assert.Equal(LogLevel.Error, rejected.Level);
        Assert.Contains("401", rejected.Message, StringComparison.Ordinal);
        Assert.Contains("DirectApiAuthorizationRequired", rejected.Message, StringComparison.Ordinal);
        // The Workflows URL goes through the host-only HttpClient logger: its line names the host, not the query.
        var host = HostOnlyHttpClientLogger.Where(_receiver.BaseAddress);
        Assert.Contains(everything.Messages, m => m.Contains($"POST {host} answered 401", StringComparison.Ordinal));
        foreach (var message in logs.Select(e => e.Message).Concat(everything.Messages))
        {
            Assert.DoesNotContain(Signature, message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task NotifyAsync_WorkflowsUrlThroughProxy_SendsTheAdaptiveCardThroughIt()
    {
        // The receiver plays the proxy: the Logic Apps host below does not resolve, so only a proxied request arrives.
        var ns = cluster.NewNamespace();
        var resources = Provider(ns, "teams-proxied", null, "http://prod-00.westeurope.logic.azure.invalid/workflows/proxy01/triggers/manual/paths/invoke" + WorkflowsQuery,
            proxy: _receiver.BaseAddress.ToString());
        await using var services = TestServices.Build(resources: resources);

        await services.GetRequiredService<INotifier>().NotifyAsync(CanaryFor(ns, "teams-proxied"), s_info, CancellationToken.None);

        var request = Assert.Single(_receiver.RequestsTo("/workflows/proxy01/triggers/manual/paths/invoke"));
        Assert.Equal("prod-00.westeurope.logic.azure.invalid", request.Headers["Host"]);
        Assert.Equal("message", Json(request.Body).GetProperty("type").GetString());
    }

    [Fact]
    public async Task NotifyAsync_SlowWorkflowsEndpoint_TimesOutAndIsLogged()
    {
        var path = "/workflows/slow01/triggers/manual/paths/invoke";
        _receiver.Answer(path, new ReceiverAnswer(202, Delay: TimeSpan.FromSeconds(10)));
        var ns = cluster.NewNamespace();
        await using var services = TestServices.Build(resources: Provider(ns, "teams-slow", null, _receiver.Url(path + WorkflowsQuery).ToString()),
            alerts: o => o.Timeout = TimeSpan.FromSeconds(1));

        await services.GetRequiredService<INotifier>().NotifyAsync(CanaryFor(ns, "teams-slow"), s_info, CancellationToken.None);

        var entry = Assert.Single(services.Logger<Notifier>().Entries, e => e.EventId.Id == 4211);
        Assert.Contains("timed out after 1s", entry.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Signature, entry.Message, StringComparison.Ordinal);
    }

    /// <summary>An msteams AlertProvider at the receiver's <paramref name="path"/>, read through the fake API server, sent <paramref name="alert"/>.</summary>
    private async Task<(IReadOnlyList<RecordedRequest> Requests, IReadOnlyList<Flagger.Testing.Logging.LogEntry> Logs)> NotifyProviderAsync(
        string path, string query, string? annotation, SendAlert alert, AllLogs? everything = null)
    {
        var ns = cluster.NewNamespace();
        await using var services = TestServices.Build(
            resources: Provider(ns, "teams", annotation, _receiver.Url(path + query).ToString()),
            more: everything is null ? null : s => s.AddLogging(b => b.AddProvider(everything).SetMinimumLevel(LogLevel.Trace)));

        await services.GetRequiredService<INotifier>().NotifyAsync(CanaryFor(ns, "teams"), alert, CancellationToken.None);

        everything?.AddRange(services.Logger<HostOnlyHttpClientLogger>().Entries.Select(e => e.Message));
        return (_receiver.RequestsTo(path), services.Logger<Notifier>().Entries);
    }

    private KubernetesClusterResources Provider(string ns, string name, string? annotation, string address, string? proxy = null)
    {
        var server = cluster.FreshServer();
        server.Seed(new AlertProvider
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = ns,
                Annotations = annotation is null ? null : new Dictionary<string, string> { [TeamsFormats.Annotation] = annotation },
            },
            Spec = new AlertProviderSpec { Type = "msteams", Address = address, Proxy = proxy },
        });
        return new KubernetesClusterResources(server.CreateClient(TimeSpan.FromSeconds(5)));
    }

    private static Canary CanaryFor(string providerNamespace, string provider)
    {
        // The canary is podinfo.test (the subject the fixtures record); its provider lives in the test's own namespace.
        var alerts = new List<CanaryAlert>
        {
            new() { Name = "teams", Severity = "info", ProviderRef = new CrossNamespaceObjectReference { Name = provider, Namespace = providerNamespace } },
        };
        return TestServices.Canary(analysis: new CanaryAnalysis { Alerts = alerts });
    }

    private static JsonElement Json(string body) => JsonDocument.Parse(body).RootElement.Clone();

    /// <summary>Every log line of every category, for the checks that no line anywhere carries a secret.</summary>
    private sealed class AllLogs : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _messages = new();

        public IReadOnlyList<string> Messages => [.. _messages];

        public void AddRange(IEnumerable<string> messages)
        {
            foreach (var message in messages)
            {
                _messages.Enqueue(message);
            }
        }

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _messages);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> messages) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                messages.Enqueue($"{category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
        }
    }
}
