using Flagger.Infrastructure.Registry;
using Microsoft.AspNetCore.Http;

namespace Flagger.Rollouts.Api;

/// <summary>ASP.NET Core requests to the host-agnostic handlers (the Function App and Flagger.Host both use it); answers go back as <see cref="HttpAnswer"/>.</summary>
public static class HttpBridge
{
    /// <summary>Who asked for an operation: an authenticated principal (App Service auth, the host's API key name), else the header an operator sets.</summary>
    public static string Caller(HttpRequest request) =>
        request.Headers["X-MS-CLIENT-PRINCIPAL-NAME"].FirstOrDefault()
        ?? request.HttpContext.User.Identity?.Name
        ?? request.Headers["X-Flagger-User"].FirstOrDefault()
        ?? "function key";

    public static async Task<RegistryRequest> ToRegistryRequestAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, cancellationToken);
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        return new RegistryRequest(request.Method, headers, body.ToArray());
    }
}
