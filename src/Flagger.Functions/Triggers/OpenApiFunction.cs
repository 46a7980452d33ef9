using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Flagger.Functions.Triggers;

/// <summary>
/// <c>GET /api/openapi/v1.json</c>, without a key: the API's OpenAPI document. It is the document Flagger.Host generates
/// (<c>/openapi/v1.json</c>) less the host's own <c>/healthz</c> and <c>/readyz</c>, checked in as <c>openapi.v1.json</c>
/// because the worker has no ASP.NET Core endpoint metadata to generate it from; a Flagger.Host test proves the two equal
/// and rewrites the file with <c>FLAGGER_UPDATE_OPENAPI=1</c>.
/// </summary>
public sealed class OpenApiFunction
{
    public const string ResourceName = "Flagger.Functions.openapi.v1.json";

    private static readonly Lazy<byte[]> s_document = new(() =>
    {
        using var stream = typeof(OpenApiFunction).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{ResourceName} is not embedded");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    });

    [Function("OpenApi")]
    public IActionResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi/v1.json")] HttpRequest request) =>
        new FileContentResult(s_document.Value, "application/json; charset=utf-8");
}
