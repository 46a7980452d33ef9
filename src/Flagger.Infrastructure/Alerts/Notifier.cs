using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Infrastructure.Kubernetes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flagger.Infrastructure.Alerts;

/// <summary>
/// Sends an alert to each AlertProvider of <c>analysis.alerts</c> whose severity admits it, or to the global
/// Slack / Teams notifier when the canary has no alerts (spec §7). Every failure is logged and swallowed, and a
/// failing provider never keeps the next one from being told.
/// </summary>
public sealed class Notifier(
    IClusterResources resources,
    IHttpClientFactory clients,
    IOptions<AlertOptions> options,
    ILogger<Notifier> logger) : INotifier, IDisposable
{
    public const string HttpClientName = "flagger-alerts";

    private const int MaxLoggedBodyLength = 256;

    // Shorter query values (api-version=2016-06-01, sv=1.0) are settings, not secrets, and stay readable.
    private const int MinMaskedQueryValueLength = 16;

    private readonly ConcurrentDictionary<string, HttpClient> _proxiedClients = new(StringComparer.Ordinal);
    private readonly AlertOptions _options = options.Value;

    public async Task NotifyAsync(Canary canary, SendAlert alert, CancellationToken cancellationToken)
    {
        var subscriptions = canary.Analysis.Alerts ?? [];
        if (subscriptions.Count == 0)
        {
            foreach (var target in GlobalTargets())
            {
                await PostAsync(canary, alert, "global", target, cancellationToken);
            }

            return;
        }

        foreach (var subscription in subscriptions.Where(s => AlertRouting.Admits(s.Severity, alert.Severity)))
        {
            try
            {
                if (await ResolveAsync(canary, subscription, cancellationToken) is { } target)
                {
                    await PostAsync(canary, alert, subscription.Name, target, cancellationToken);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Logs.AlertThrew(logger, subscription.Name, canary.Metadata.NamespaceProperty, canary.Metadata.Name, exception.GetType().Name);
            }
        }
    }

    public void Dispose()
    {
        foreach (var client in _proxiedClients.Values)
        {
            client.Dispose();
        }
    }

    /// <summary>The provider's type, address (the secret's <c>address</c> wins), token, proxy, channel and username.</summary>
    internal async Task<AlertTarget?> ResolveAsync(Canary canary, CanaryAlert subscription, CancellationToken cancellationToken)
    {
        var canaryNamespace = canary.Metadata.NamespaceProperty;
        var providerNamespace = string.IsNullOrEmpty(subscription.ProviderRef.Namespace) ? canaryNamespace : subscription.ProviderRef.Namespace;
        var providerName = subscription.ProviderRef.Name;
        var provider = await resources.GetAlertProviderAsync(providerNamespace, providerName, cancellationToken);
        if (provider is null)
        {
            Logs.ProviderNotFound(logger, providerNamespace, providerName, subscription.Name, canaryNamespace, canary.Metadata.Name);
            return null;
        }

        var spec = provider.Spec;
        if (!AlertProviderSpec.Types.Contains(spec.Type))
        {
            Logs.UnknownProviderType(logger, providerNamespace, providerName, spec.Type, canaryNamespace, canary.Metadata.Name);
            return null;
        }

        var address = spec.Address;
        string? token = null;
        if (spec.SecretRef is { Name.Length: > 0 } secretRef)
        {
            var secret = await resources.GetSecretAsync(providerNamespace, secretRef.Name, cancellationToken);
            if (secret is null)
            {
                Logs.SecretNotFound(logger, providerNamespace, secretRef.Name, providerName);
                return null;
            }

            address = SecretValue(secret, "address") ?? address;
            token = SecretValue(secret, "token");
        }

        if (!Uri.TryCreate(address, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            Logs.NoAddress(logger, providerNamespace, providerName);
            return null;
        }

        return new AlertTarget(
            spec.Type,
            url,
            token,
            string.IsNullOrWhiteSpace(spec.Proxy) ? null : spec.Proxy,
            string.IsNullOrEmpty(spec.Channel) ? AlertDefaults.Channel : spec.Channel,
            string.IsNullOrEmpty(spec.Username) ? AlertDefaults.Username : spec.Username,
            spec.Type == AlertFormats.Teams ? ProviderTeamsFormat(provider) : TeamsFormat.Auto);
    }

    /// <summary>The provider's <see cref="TeamsFormats.Annotation"/>; a value we do not know is logged and the URL chooses.</summary>
    private TeamsFormat ProviderTeamsFormat(AlertProvider provider)
    {
        if (provider.Metadata.Annotations is not { } annotations || !annotations.TryGetValue(TeamsFormats.Annotation, out var value))
        {
            return TeamsFormat.Auto;
        }

        if (TeamsFormats.Parse(value) is { } format)
        {
            return format;
        }

        Logs.UnknownTeamsFormat(logger, provider.Metadata.NamespaceProperty, provider.Metadata.Name, TeamsFormats.Annotation, value);
        return TeamsFormat.Auto;
    }

    private IEnumerable<AlertTarget> GlobalTargets()
    {
        if (Uri.TryCreate(_options.SlackUrl, UriKind.Absolute, out var slack))
        {
            yield return new AlertTarget(AlertFormats.Slack, slack, NullIfEmpty(_options.SlackToken), NullIfEmpty(_options.SlackProxyUrl),
                _options.SlackChannel, _options.SlackUser);
        }

        if (Uri.TryCreate(_options.TeamsUrl, UriKind.Absolute, out var teams))
        {
            // AlertOptions' validation admits only the values Parse knows.
            yield return new AlertTarget(AlertFormats.Teams, teams, null, NullIfEmpty(_options.TeamsProxyUrl), AlertDefaults.Channel, AlertDefaults.Username,
                TeamsFormats.Parse(_options.TeamsFormat) ?? TeamsFormat.Auto);
        }
    }

    private async Task PostAsync(Canary canary, SendAlert alert, string alertName, AlertTarget target, CancellationToken cancellationToken)
    {
        var canaryNamespace = canary.Metadata.NamespaceProperty;
        var subject = $"{canary.Metadata.Name}.{canaryNamespace}";
        var body = AlertFormats.Body(target, subject, alert, Fields(alert));
        if (body is null)
        {
            return;
        }

        // Chat webhook URLs carry their secret in the path (Slack, Discord) or query (Google Chat, Teams Workflows' sig=): log the host only.
        var address = AlertFormats.PostAddress(target);
        var host = address.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.Timeout);
            using var request = new HttpRequestMessage(HttpMethod.Post, address)
            {
                Content = new StringContent(JsonSerializer.Serialize(body, body.GetType()), Encoding.UTF8, "application/json"),
            };
            if (target.Token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", target.Token);
            }

            using var response = await Client(target.Proxy).SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                var text = Scrub(await response.Content.ReadAsStringAsync(timeout.Token), address, target.Token);
                Logs.AlertRejected(logger, alertName, target.Type, host, canaryNamespace, canary.Metadata.Name, (int)response.StatusCode,
                    text.Length > MaxLoggedBodyLength ? text[..MaxLoggedBodyLength] : text);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var reason = exception switch
            {
                OperationCanceledException => $"timed out after {_options.Timeout.TotalSeconds}s",
                HttpRequestException http => Scrub(http.Message, address, target.Token),
                _ => exception.GetType().Name,
            };
            Logs.AlertUnreachable(logger, alertName, target.Type, host, canaryNamespace, canary.Metadata.Name, reason);
        }
    }

    /// <summary>
    /// A provider's answer may echo the request: its token, and the address whose path (Slack, Discord) or
    /// query (Google Chat, Teams Workflows' <c>sig=</c>) is the secret. Those are masked first, a long query
    /// value on its own too (a signature quoted without its name), then any other URL or credential in it.
    /// </summary>
    internal static string Scrub(string text, Uri address, string? token)
    {
        if (token is { Length: >= 4 })
        {
            text = text.Replace(token, SecretText.Mask, StringComparison.Ordinal);
        }

        foreach (var secret in new[] { address.PathAndQuery, address.AbsolutePath, address.Query.TrimStart('?') }.Where(s => s.Length > 1))
        {
            text = text.Replace(secret, SecretText.Mask, StringComparison.Ordinal);
        }

        foreach (var value in QueryValues(address).Where(v => v.Length >= MinMaskedQueryValueLength))
        {
            text = text.Replace(value, SecretText.Mask, StringComparison.Ordinal);
        }

        return SecretText.Scrub(text);
    }

    /// <summary>Each query value as sent and unescaped, longest first (so a value is masked before a shorter one inside it).</summary>
    private static IEnumerable<string> QueryValues(Uri address) =>
        address.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair[(pair.IndexOf('=', StringComparison.Ordinal) + 1)..])
            .SelectMany(value => new[] { value, Uri.UnescapeDataString(value) })
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(value => value.Length);

    private List<KeyValuePair<string, string>> Fields(SendAlert alert)
    {
        var fields = new List<KeyValuePair<string, string>>();
        if (!string.IsNullOrEmpty(_options.ClusterName))
        {
            fields.Add(new("Cluster", _options.ClusterName));
        }

        fields.AddRange(alert.Fields);
        return fields;
    }

    private HttpClient Client(string? proxy) => proxy is null
        ? clients.CreateClient(HttpClientName)
        : _proxiedClients.GetOrAdd(proxy, address => new HttpClient(new SocketsHttpHandler
        {
            Proxy = new WebProxy(address),
            UseProxy = true,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        }));

    private static string? SecretValue(k8s.Models.V1Secret secret, string key)
    {
        if (secret.Data?.TryGetValue(key, out var bytes) == true && bytes is { Length: > 0 })
        {
            return Encoding.UTF8.GetString(bytes).Trim();
        }

        return secret.StringData?.TryGetValue(key, out var text) == true && !string.IsNullOrWhiteSpace(text) ? text.Trim() : null;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
