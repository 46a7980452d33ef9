using System.Collections.Concurrent;
using Flagger.Infrastructure.Alerts;
using Flagger.Infrastructure.Webhooks;
using Flagger.Testing.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Flagger.Infrastructure.Tests.Http;

/// <summary>What the webhook and alert HttpClients log about each request: scheme and host, never path or query.</summary>
public sealed class HttpClientLoggingTests
{
    [Theory]
    [InlineData(WebhookClient.HttpClientName)]
    [InlineData(WebhookClient.InsecureHttpClientName)]
    [InlineData(Notifier.HttpClientName)]
    public async Task NamedClients_LogSchemeAndHostOnly_NotThePathOrQuery(string clientName)
    {
        await using var receiver = await HttpReceiver.StartAsync();
        var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(logs))
            .AddWebhooks()
            .AddAlerts();
        await using var provider = services.BuildServiceProvider();

        using var response = await provider.GetRequiredService<IHttpClientFactory>().CreateClient(clientName)
            .GetAsync(receiver.Url("/services/T000/B000/PATHSECRET?token=QUERYSECRET&code=FUNCTIONKEY"));

        var messages = logs.Messages.ToList();
        Assert.Contains(messages, m => m.Contains(receiver.BaseAddress.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped), StringComparison.Ordinal));
        foreach (var secret in new[] { "PATHSECRET", "QUERYSECRET", "FUNCTIONKEY", "/services/" })
        {
            Assert.DoesNotContain(messages, m => m.Contains(secret, StringComparison.Ordinal));
        }

        Assert.DoesNotContain(logs.Categories, c => c.StartsWith("System.Net.Http.HttpClient.", StringComparison.Ordinal) && logs.Wrote(c));
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<(string Category, string Message)> _entries = new();

        public IEnumerable<string> Messages => _entries.Select(e => e.Message);

        public IEnumerable<string> Categories => _entries.Select(e => e.Category).Distinct();

        public bool Wrote(string category) => _entries.Any(e => e.Category == category);

        public ILogger CreateLogger(string categoryName) => new Capturing(categoryName, _entries);

        public void Dispose()
        {
        }

        private sealed class Capturing(string category, ConcurrentQueue<(string, string)> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue((category, formatter(state, exception)));
        }
    }
}
