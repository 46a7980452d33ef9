namespace Flagger.Infrastructure.Registry;

/// <summary>An HTTP request to the registry webhook, as any host hands it over.</summary>
/// <param name="Headers">Request headers; looked up case-insensitively whatever dictionary is passed.</param>
public sealed record RegistryRequest(string Method, IReadOnlyDictionary<string, string> Headers, ReadOnlyMemory<byte> Body)
{
    public string? Header(string name)
    {
        if (Headers.TryGetValue(name, out var value))
        {
            return value;
        }

        foreach (var (key, candidate) in Headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return candidate;
            }
        }

        return null;
    }
}

/// <summary>What the host sends back: status, JSON body (or none), and headers to set.</summary>
public sealed record RegistryResponse(int Status, string? Body, IReadOnlyDictionary<string, string> Headers)
{
    public const string JsonContentType = "application/json; charset=utf-8";

    public static RegistryResponse Json(int status, string body, IReadOnlyDictionary<string, string>? headers = null)
    {
        var all = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Content-Type"] = JsonContentType };
        foreach (var (key, value) in headers ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        return new RegistryResponse(status, body, all);
    }
}
