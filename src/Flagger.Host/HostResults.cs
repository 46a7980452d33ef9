using Flagger.Functions.Api;
using Flagger.Infrastructure.Registry;
using Flagger.Infrastructure.Webhooks.Gates;

namespace Flagger.Host;

/// <summary>The handlers' answers as minimal-API results (the Function App uses <see cref="HttpBridge"/>'s action results).</summary>
internal static class HostResults
{
    public static IResult From(ApiResult result) => Results.Json(result.Body, statusCode: result.Status);

    public static IResult From(GateResponse response) => Results.Text(response.Text, "text/plain; charset=utf-8", statusCode: response.StatusCode);

    public static IResult From(RegistryResponse response) => new RegistryResult(response);

    private sealed class RegistryResult(RegistryResponse response) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = response.Status;
            foreach (var (name, value) in response.Headers)
            {
                httpContext.Response.Headers[name] = value;
            }

            if (response.Body is not null)
            {
                await httpContext.Response.WriteAsync(response.Body, httpContext.RequestAborted);
            }
        }
    }
}
