using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Flagger.Host;

/// <summary>
/// How Flagger.Host guards <c>/api/*</c>: the caller's key is compared in constant time, and a host without a
/// key refuses to start unless every address it listens on is loopback (the sandbox and the demo).
/// </summary>
public static class ApiKeyPolicy
{
    /// <summary>Kestrel's default when no address is configured.</summary>
    private const string DefaultUrl = "http://localhost:5000";

    /// <summary>Compares the UTF-8 bytes in constant time (for equal lengths), so the answer's timing says nothing about the key.</summary>
    public static bool Matches(string? given, string expected) =>
        given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));

    /// <summary>Throws when <c>Host:ApiKey</c> is empty and the host would listen on anything but loopback.</summary>
    public static void EnsureKeyOrLoopback(IConfiguration configuration)
    {
        if (!string.IsNullOrEmpty(configuration[$"{FlaggerHostOptions.Section}:{nameof(FlaggerHostOptions.ApiKey)}"]))
        {
            return;
        }

        var exposed = ListenUrls(configuration).Where(url => !IsLoopback(url)).ToList();
        if (exposed.Count > 0)
        {
            throw new InvalidOperationException(
                $"Host:ApiKey (Host__ApiKey) is required: without it /api/* is open to anyone, and the host would listen on {string.Join(", ", exposed)}. " +
                "Set an API key, or listen on loopback only (ASPNETCORE_URLS=http://127.0.0.1:<port>).");
        }
    }

    /// <summary>Where Kestrel will listen, from configuration: <c>urls</c>, <c>http_ports</c>/<c>https_ports</c>, <c>Kestrel:Endpoints</c>; its default when none.</summary>
    public static IReadOnlyList<string> ListenUrls(IConfiguration configuration)
    {
        var urls = new List<string>();
        urls.AddRange(Split(configuration[WebHostDefaults.ServerUrlsKey]));
        urls.AddRange(Split(configuration[WebHostDefaults.HttpPortsKey]).Select(port => $"http://*:{port}"));
        urls.AddRange(Split(configuration[WebHostDefaults.HttpsPortsKey]).Select(port => $"https://*:{port}"));
        urls.AddRange(configuration.GetSection("Kestrel:Endpoints").GetChildren()
            .Select(endpoint => endpoint["Url"]).OfType<string>().Where(url => url.Length > 0));
        return urls.Count > 0 ? urls : [DefaultUrl];
    }

    /// <summary><c>localhost</c>, <c>127.0.0.0/8</c> and <c>[::1]</c>; wildcards (<c>*</c>, <c>+</c>, <c>0.0.0.0</c>, <c>[::]</c>) and other hosts are not.</summary>
    public static bool IsLoopback(string url)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        var rest = schemeEnd < 0 ? url : url[(schemeEnd + 3)..];
        var authority = rest.Split('/')[0];
        var host = authority.StartsWith('[')
            ? authority[..(authority.IndexOf(']', StringComparison.Ordinal) + 1)]
            : authority.Split(':')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
    }

    private static IEnumerable<string> Split(string? value) =>
        (value ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
