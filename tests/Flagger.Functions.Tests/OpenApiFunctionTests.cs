using System.Reflection;
using System.Text.Json.Nodes;
using Flagger.Functions.Triggers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Flagger.Functions.Tests;

/// <summary>The Function App's OpenAPI document (the host's, checked in; Flagger.Host's OpenApiTests prove them equal) against its own HTTP triggers.</summary>
public sealed class OpenApiFunctionTests
{
    private static JsonObject Document()
    {
        var answer = Assert.IsType<FileContentResult>(new OpenApiFunction().Run(new DefaultHttpContext().Request));
        Assert.StartsWith("application/json", answer.ContentType, StringComparison.Ordinal);
        return JsonNode.Parse(answer.FileContents)!.AsObject();
    }

    [Fact]
    public void TheDocument_ListsExactlyTheFunctionAppsHttpRoutesAndMethods()
    {
        var triggers = typeof(OpenApiFunction).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .SelectMany(m => m.GetParameters())
            .Select(p => p.GetCustomAttribute<HttpTriggerAttribute>())
            .OfType<HttpTriggerAttribute>()
            .Where(t => t.Route != "openapi/v1.json")
            .SelectMany(t => (t.Methods ?? []).Select(method => (Method: method.ToLowerInvariant(), Path: "/api/" + t.Route!.Replace("{*", "{", StringComparison.Ordinal))))
            .OrderBy(r => r.Path).ThenBy(r => r.Method)
            .ToList();
        var documented = Document()["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Select(o => (Method: o.Key, Path: p.Key)))
            .OrderBy(r => r.Path).ThenBy(r => r.Method)
            .ToList();

        Assert.NotEmpty(triggers);
        Assert.Equal(triggers, documented);
    }

    [Fact]
    public void TheDocument_IsOpenApi31WithTheApiKeyScheme()
    {
        var document = Document();

        Assert.StartsWith("3.1", (string?)document["openapi"], StringComparison.Ordinal);
        Assert.Equal("x-functions-key", (string?)document["components"]!["securitySchemes"]!["apiKey"]!["name"]);
    }
}
