using Azure.Core;

namespace Flagger.Infrastructure.Prometheus;

/// <summary>
/// Entra tokens for Azure Monitor managed Prometheus, reused until shortly before they expire so a tick
/// does not ask Entra for every query.
/// </summary>
public sealed class AzureMonitorTokenCache(TokenCredential credential, TimeProvider time)
{
    public const string Scope = "https://prometheus.monitor.azure.com/.default";

    /// <summary>Refresh this long before expiry, so a token never expires between cache and server.</summary>
    public static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);

    private static readonly TokenRequestContext s_request = new([Scope]);
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private AccessToken? _token;

    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (Fresh(_token) is { } cached)
        {
            return cached;
        }

        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (Fresh(_token) is { } raced)
            {
                return raced;
            }

            var token = await credential.GetTokenAsync(s_request, cancellationToken);
            _token = token;
            return token.Token;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private string? Fresh(AccessToken? token)
    {
        if (token is not { } t)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var refreshAt = t.RefreshOn is { } refreshOn && refreshOn < t.ExpiresOn - RefreshMargin ? refreshOn : t.ExpiresOn - RefreshMargin;
        return now < refreshAt ? t.Token : null;
    }
}
