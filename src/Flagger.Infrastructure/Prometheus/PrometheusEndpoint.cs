using System.Net.Http.Headers;
using System.Text;
using k8s.Models;

namespace Flagger.Infrastructure.Prometheus;

/// <summary>Where and how to query one Prometheus: address, credentials, headers, TLS and Entra token use.</summary>
public sealed record PrometheusEndpoint
{
    private const string AzureMonitorHostSuffix = ".prometheus.monitor.azure.com";

    private PrometheusEndpoint(Uri address) => Address = address;

    /// <summary>Absolute http(s) address, possibly with a path prefix.</summary>
    public Uri Address { get; }

    /// <summary>Bearer or Basic from the MetricTemplate's secret; never printed.</summary>
    public AuthenticationHeaderValue? Authorization { get; init; }

    public IReadOnlyDictionary<string, IReadOnlyList<string>> Headers { get; init; } =
        new Dictionary<string, IReadOnlyList<string>>();

    public bool InsecureSkipVerify { get; init; }

    /// <summary>Send an Entra token for Azure Monitor managed Prometheus (only when there is no <see cref="Authorization"/>).</summary>
    public bool UseAzureMonitorToken { get; init; }

    /// <summary>The address as messages may show it: no user info, no query string.</summary>
    public string DisplayAddress => Address.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped).TrimEnd('/');

    public bool IsAzureMonitorHost => Address.Host.EndsWith(AzureMonitorHostSuffix, StringComparison.OrdinalIgnoreCase);

    /// <exception cref="PrometheusConfigurationException">Empty, relative or not http(s).</exception>
    public static PrometheusEndpoint Parse(string? address)
    {
        if (string.IsNullOrWhiteSpace(address))
        {
            throw new PrometheusConfigurationException("the Prometheus address is empty");
        }

        if (!Uri.TryCreate(address.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new PrometheusConfigurationException($"the Prometheus address \"{Redact(address)}\" is not an absolute http or https URL");
        }

        return new PrometheusEndpoint(uri);
    }

    /// <summary>Applies the Azure Monitor policy: an Entra token when the host or the option says so.</summary>
    public PrometheusEndpoint WithAzureMonitorPolicy(AzureMonitorAuthentication mode) => this with
    {
        UseAzureMonitorToken = mode switch
        {
            AzureMonitorAuthentication.Always => true,
            AzureMonitorAuthentication.Auto => IsAzureMonitorHost,
            _ => false,
        },
    };

    /// <summary>
    /// Flagger's rule: key <c>token</c> gives a bearer token; otherwise both <c>username</c> and
    /// <c>password</c> are required for Basic auth.
    /// </summary>
    /// <exception cref="PrometheusConfigurationException">A key is missing; the message names it, never a value.</exception>
    public PrometheusEndpoint WithSecret(V1Secret secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var name = $"{secret.Metadata?.NamespaceProperty}/{secret.Metadata?.Name}";
        if (Read(secret, "token") is { Length: > 0 } token)
        {
            return this with { Authorization = new AuthenticationHeaderValue("Bearer", token) };
        }

        var username = Read(secret, "username");
        var password = Read(secret, "password");
        if (string.IsNullOrEmpty(username) || string.IsNullOrEmpty(password))
        {
            var missing = string.IsNullOrEmpty(username) ? "username" : "password";
            throw new PrometheusConfigurationException(
                $"secret {name} has no \"token\" and no \"{missing}\": Prometheus needs a token, or both username and password");
        }

        var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}"));
        return this with { Authorization = new AuthenticationHeaderValue("Basic", basic) };
    }

    public PrometheusEndpoint WithHeaders(IDictionary<string, IList<string>>? headers) => headers is null or { Count: 0 }
        ? this
        : this with { Headers = headers.ToDictionary(h => h.Key, h => (IReadOnlyList<string>)[.. h.Value], StringComparer.OrdinalIgnoreCase) };

    /// <summary>The instant-query URL: the API path is appended to the address's own path.</summary>
    public Uri QueryUri(string query)
    {
        var builder = new UriBuilder(Address)
        {
            Path = Address.AbsolutePath.TrimEnd('/') + "/api/v1/query",
            Query = "query=" + Uri.EscapeDataString(query),
        };
        return builder.Uri;
    }

    private static string? Read(V1Secret secret, string key)
    {
        if (secret.Data?.TryGetValue(key, out var bytes) == true && bytes is not null)
        {
            return Encoding.UTF8.GetString(bytes).Trim();
        }

        return secret.StringData?.TryGetValue(key, out var text) == true ? text?.Trim() : null;
    }

    private static string Redact(string address) =>
        Uri.TryCreate(address, UriKind.Absolute, out var uri) && !string.IsNullOrEmpty(uri.UserInfo)
            ? address.Replace(uri.UserInfo + "@", "***@", StringComparison.Ordinal)
            : address;
}

/// <summary>A provider that cannot be queried as configured (address, secret); the message names the field.</summary>
public sealed class PrometheusConfigurationException(string message) : Exception(message);
