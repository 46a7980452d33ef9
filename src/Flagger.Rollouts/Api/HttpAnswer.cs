using System.Globalization;
using System.Text.Json;
using Flagger.Infrastructure.Registry;
using Flagger.Infrastructure.Webhooks.Gates;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Flagger.Rollouts.Api;

/// <summary>
/// One HTTP answer for both hosts: a minimal-API <see cref="IResult"/> for Flagger.Host and an MVC
/// <see cref="IActionResult"/> for the Function App's ASP.NET Core integration, written the same way by both.
/// </summary>
public sealed class HttpAnswer : IResult, IActionResult
{
    private const string JsonContentType = "application/json; charset=utf-8";
    private const string TextContentType = "text/plain; charset=utf-8";

    private HttpAnswer(int status, string? contentType, string? body, IReadOnlyDictionary<string, string>? headers = null)
    {
        Status = status;
        ContentType = contentType;
        Body = body;
        Headers = headers ?? new Dictionary<string, string>();
    }

    public int Status { get; }

    public string? ContentType { get; }

    public string? Body { get; }

    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The API's JSON, in ASP.NET Core's web defaults (camelCase), as both hosts served it before.</summary>
    public static HttpAnswer From(ApiResult result) =>
        new(result.Status, JsonContentType, JsonSerializer.Serialize(result.Body, JsonSerializerOptions.Web),
            result.RetryAfter is { } retryAfter
                ? new Dictionary<string, string> { ["Retry-After"] = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture) }
                : null);

    public static HttpAnswer From(GateResponse response) => new(response.StatusCode, TextContentType, response.Text);

    /// <summary>The registry webhook sets its own headers (the handshakes' <c>WebHook-Allowed-Origin</c>, its content type).</summary>
    public static HttpAnswer From(RegistryResponse response) => new(response.Status, null, response.Body, response.Headers);

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = Status;
        if (ContentType is not null)
        {
            response.ContentType = ContentType;
        }

        foreach (var (name, value) in Headers)
        {
            response.Headers[name] = value;
        }

        if (Body is not null)
        {
            await response.WriteAsync(Body, httpContext.RequestAborted);
        }
    }

    public Task ExecuteResultAsync(ActionContext context) => ExecuteAsync(context.HttpContext);
}
