using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flagger.Host.Testing;
using Flagger.Sandbox;
using Flagger.Sandbox.Kubernetes;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Flagger.Host.Tests;

/// <summary>The host's /openapi/v1.json against the routes it maps and the JSON its API returns.</summary>
public sealed class OpenApiTests : IAsyncLifetime
{
    private FakeClusterHost _env = null!;

    public async Task InitializeAsync()
    {
        _env = await FakeClusterHost.StartAsync("openapi", seed: cluster =>
        {
            cluster.Seed(SampleApp.ConfigMap("test", "podinfo"));
            cluster.Seed(SampleApp.Deployment("test", "podinfo", SampleApp.DefaultImage, replicas: 2));
            cluster.Seed(SampleApp.Canary("test", SampleVariant.Progressive, new SandboxOptions()));
        });
    }

    public async Task DisposeAsync()
    {
        await _env.DisposeAsync();
    }

    private async Task<JsonObject> DocumentAsync()
    {
        using var response = await _env.Http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    [Fact]
    public async Task TheDocument_HasEveryMappedRouteAndMethod_EachWithItsResponses_AndNoOperationThatIsNotMapped()
    {
        var document = await DocumentAsync();
        var mapped = _env.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText != HostOpenApi.Path)
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(method => (Method: method.ToLowerInvariant(), Path: Normalize(e.RoutePattern.RawText!))))
            .ToHashSet();
        var paths = document["paths"]!.AsObject();
        var documented = paths.SelectMany(p => p.Value!.AsObject().Where(o => o.Key is not "parameters").Select(o => (Method: o.Key, Path: p.Key))).ToHashSet();

        Assert.NotEmpty(mapped);
        Assert.Equal(mapped.OrderBy(m => m.Path).ThenBy(m => m.Method), documented.OrderBy(m => m.Path).ThenBy(m => m.Method));
        foreach (var (method, path) in mapped)
        {
            var responses = paths[path]![method]!["responses"]!.AsObject();
            Assert.True(HostOpenApi.Responses.ContainsKey((method.ToUpperInvariant(), path)), $"{method} {path} has no row in HostOpenApi.Responses");
            Assert.Equal(
                HostOpenApi.Responses[(method.ToUpperInvariant(), path)].Select(r => r.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(),
                responses.Select(r => r.Key).Order());
        }
    }

    /// <summary>The Function App serves the same API but for the host's own probes: its checked-in document is this one without them.</summary>
    [Fact]
    public async Task TheFunctionAppsCheckedInDocument_IsTheHostsLessItsProbes()
    {
        var expected = await DocumentAsync();
        expected.Remove("servers");
        var paths = expected["paths"]!.AsObject();
        paths.Remove("/healthz");
        paths.Remove(Readiness.Path);
        expected["components"]?["schemas"]?.AsObject().Remove(nameof(ReadinessAnswer));
        var tags = expected["tags"]!.AsArray();
        tags.Remove(tags.Single(t => (string?)t!["name"] == "health"));
        var file = RepositoryFile(Path.Combine("src", "Flagger.Functions", "openapi.v1.json"));
        if (Environment.GetEnvironmentVariable("FLAGGER_UPDATE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(file, expected.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
        }

        var checkedIn = JsonNode.Parse(await File.ReadAllTextAsync(file));
        Assert.True(JsonNode.DeepEquals(expected, checkedIn), $"{file} differs from the host's document: run this test with FLAGGER_UPDATE_OPENAPI=1 and commit the file");
    }

    private static string RepositoryFile(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Flagger.Functions.sln")))
            {
                return Path.Combine(directory.FullName, relative);
            }
        }

        throw new FileNotFoundException(relative);
    }

    [Fact]
    public async Task TheSchemas_MatchTheJsonTheApiReturns()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            using var detail = await _env.Http.GetAsync("/api/canaries/test/podinfo");
            if (detail.StatusCode == HttpStatusCode.OK && (await detail.Content.ReadAsStringAsync()).Contains("\"Initialized\"", StringComparison.Ordinal))
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "the canary did not initialise");
            await Task.Delay(250);
        }

        var document = await DocumentAsync();
        await ConformsAsync(document, "get", "/api/canaries", "/api/canaries", HttpStatusCode.OK);
        await ConformsAsync(document, "get", "/api/canaries/{namespace}/{name}", "/api/canaries/test/podinfo", HttpStatusCode.OK);
        await ConformsAsync(document, "get", "/api/canaries/{namespace}/{name}", "/api/canaries/test/missing", HttpStatusCode.NotFound);
        await ConformsAsync(document, "get", "/api/canaries/{namespace}/{name}", "/api/canaries/Not_A_Name/podinfo", HttpStatusCode.BadRequest);
        await ConformsAsync(document, "get", "/api/canaries/{namespace}/{name}/history", "/api/canaries/test/podinfo/history?pageSize=5", HttpStatusCode.OK);
        await ConformsAsync(document, "post", "/api/canaries/{namespace}/{name}/{operation}", "/api/canaries/test/podinfo/pause", HttpStatusCode.Accepted);
        await ConformsAsync(document, "post", "/api/canaries/{namespace}/{name}/{operation}", "/api/canaries/test/podinfo/promote", HttpStatusCode.Conflict);
        await ConformsAsync(document, "post", "/api/registry/events", "/api/registry/events", HttpStatusCode.OK,
            await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "acr-image-pushed.eventgrid.json")));
        await ConformsAsync(document, "post", "/api/registry/events", "/api/registry/events", HttpStatusCode.BadRequest, "not json");
        await ConformsAsync(document, "get", Readiness.Path, Readiness.Path, HttpStatusCode.OK);
    }

    private async Task ConformsAsync(JsonObject document, string method, string path, string url, HttpStatusCode status, string? body = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), url);
        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await _env.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{method} {url}: {(int)response.StatusCode} {text}");
        var code = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var schema = document["paths"]?[path]?[method]?["responses"]?[code]?["content"]?["application/json"]?["schema"]?.AsObject();
        Assert.True(schema is not null, $"{method} {path} {code} has no JSON schema in the document");
        var errors = new List<string>();
        Conforms(JsonDocument.Parse(text).RootElement, schema, document["components"]?["schemas"]?.AsObject() ?? [], "$", errors);
        Assert.True(errors.Count == 0, $"{method} {url} ({code}) does not match its schema: {string.Join("; ", errors)}\n{text}");
    }

    /// <summary>
    /// The subset of JSON Schema the generated document uses: $ref, type (one or several), oneOf/anyOf, properties
    /// (an unknown property is an error unless additionalProperties allows it), required, items.
    /// </summary>
    private static void Conforms(JsonElement value, JsonObject schema, JsonObject components, string at, List<string> errors)
    {
        if (schema["$ref"]?.GetValue<string>() is { } reference)
        {
            Conforms(value, components[reference["#/components/schemas/".Length..]]!.AsObject(), components, at, errors);
            return;
        }

        foreach (var choice in new[] { "oneOf", "anyOf" })
        {
            if (schema[choice] is JsonArray branches)
            {
                if (!branches.Any(branch => Try(value, branch!.AsObject(), components, at)))
                {
                    errors.Add($"{at}: matches none of {choice}");
                }

                return;
            }
        }

        if (schema["type"] is { } declared)
        {
            var types = declared is JsonArray many ? many.Select(t => t!.GetValue<string>()).ToList() : [declared.GetValue<string>()];
            var kind = value.ValueKind switch
            {
                JsonValueKind.Object => "object",
                JsonValueKind.Array => "array",
                JsonValueKind.String => "string",
                JsonValueKind.Number => value.TryGetInt64(out _) ? "integer" : "number",
                JsonValueKind.True or JsonValueKind.False => "boolean",
                _ => "null",
            };
            if (!types.Contains(kind) && !(kind == "integer" && types.Contains("number")))
            {
                errors.Add($"{at}: {kind}, the schema says {string.Join(" or ", types)}");
                return;
            }
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            var properties = schema["properties"]?.AsObject();
            foreach (var property in value.EnumerateObject())
            {
                if (properties?[property.Name] is JsonObject propertySchema)
                {
                    Conforms(property.Value, propertySchema, components, $"{at}.{property.Name}", errors);
                }
                else if (schema["additionalProperties"] is JsonObject additional)
                {
                    Conforms(property.Value, additional, components, $"{at}.{property.Name}", errors);
                }
                else
                {
                    errors.Add($"{at}.{property.Name}: not in the schema");
                }
            }

            foreach (var required in schema["required"]?.AsArray() ?? [])
            {
                if (!value.TryGetProperty(required!.GetValue<string>(), out _))
                {
                    errors.Add($"{at}.{required}: required, missing");
                }
            }
        }
        else if (value.ValueKind == JsonValueKind.Array && schema["items"] is JsonObject items)
        {
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                Conforms(item, items, components, $"{at}[{i++}]", errors);
            }
        }
    }

    private static bool Try(JsonElement value, JsonObject schema, JsonObject components, string at)
    {
        var errors = new List<string>();
        Conforms(value, schema, components, at, errors);
        return errors.Count == 0;
    }

    private static string Normalize(string pattern) => "/" + pattern.TrimStart('/').Replace("{**", "{", StringComparison.Ordinal).Replace("{*", "{", StringComparison.Ordinal);
}
