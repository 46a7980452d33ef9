using System.Net.Http.Headers;
using Azure.Core;
using k8s.Authentication;

namespace Flagger.Infrastructure.Kubernetes;

/// <summary>
/// Bearer tokens for an AKS cluster with Entra ID (Azure RBAC for Kubernetes), from any Azure.Identity
/// credential (managed identity in Azure, the developer's login locally). A token is reused until five
/// minutes before it expires.
/// </summary>
public sealed class EntraTokenProvider(TokenCredential credential, TimeProvider time, string scope = EntraTokenProvider.AksScope) : ITokenProvider
{
    /// <summary>The Azure Kubernetes Service AAD server application, the audience AKS expects.</summary>
    public const string AksScope = "6dae42f8-4368-4678-94ff-3960e28e3630/.default";

    private static readonly TimeSpan s_refreshBefore = TimeSpan.FromMinutes(5);
    private readonly SemaphoreSlim _lock = new(1, 1);
    private AccessToken? _token;

    public async Task<AuthenticationHeaderValue> GetAuthenticationHeaderAsync(CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (_token is not { } token || token.ExpiresOn - s_refreshBefore <= time.GetUtcNow())
            {
                token = await credential.GetTokenAsync(new TokenRequestContext([scope]), cancellationToken);
                _token = token;
            }

            return new AuthenticationHeaderValue("Bearer", token.Token);
        }
        finally
        {
            _lock.Release();
        }
    }
}
