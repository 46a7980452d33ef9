using Flagger.Infrastructure.Registry;
using Flagger.Infrastructure.Webhooks.Gates;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Flagger.Functions.Api;

/// <summary>ASP.NET Core requests and results to and from the host-agnostic handlers (the Function App and Flagger.Host both use it).</summary>
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

    public static IActionResult ToResult(RegistryResponse response) => new RegistryActionResult(response);

    public static IActionResult ToResult(ApiResult result) => new JsonResult(result.Body) { StatusCode = result.Status };

    public static IActionResult ToResult(GateResponse response) =>
        new ContentResult { StatusCode = response.StatusCode, Content = response.Text, ContentType = "text/plain; charset=utf-8" };

    private sealed class RegistryActionResult(RegistryResponse response) : IActionResult
    {
        public async Task ExecuteResultAsync(ActionContext context)
        {
            var http = context.HttpContext.Response;
            http.StatusCode = response.Status;
            foreach (var (name, value) in response.Headers)
            {
                http.Headers[name] = value;
            }

            if (response.Body is not null)
            {
                await http.WriteAsync(response.Body, context.HttpContext.RequestAborted);
            }
        }
    }
}
