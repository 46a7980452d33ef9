using System.Reflection;
using Flagger.Core.Ports;
using Flagger.Infrastructure.Registry;
using Flagger.Rollouts.Api;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Flagger.Host;

/// <summary>
/// The OpenAPI document of the HTTP API at <c>/openapi/v1.json</c> (Microsoft.AspNetCore.OpenApi), generated from
/// the mapped routes. The handlers answer through <see cref="HttpAnswer"/>, which carries no response type, so the
/// responses and their schemas come from <see cref="Responses"/>, one row per route and method, kept apart from
/// <see cref="HostEndpoints"/>; a test checks that every route has its row and that the schemas match what the
/// API returns. The document is public, as it holds no secret; the API key scheme is declared in it.
/// </summary>
public static class HostOpenApi
{
    public const string DocumentName = "v1";
    public const string Path = "/openapi/{documentName}.json";

    /// <summary>Every status and body of each operation, by method and route template.</summary>
    internal static readonly IReadOnlyDictionary<(string Method, string Route), IReadOnlyList<Response>> Responses = Build();

    public static IServiceCollection AddFlaggerOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo { Title = "Flagger.Functions API", Version = DocumentName };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["apiKey"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = HostEndpoints.ApiKeyHeader,
                    Description = "The host's Host__ApiKey (the Function App: a function key, also accepted as ?code=).",
                };
                TagByArea(document);
                return Task.CompletedTask;
            });
            options.AddOperationTransformer(DescribeResponsesAsync);
            options.AddSchemaTransformer(AllowNullWhereDeclared);
            options.AddSchemaTransformer(OmittedWhenNull);
        });

    /// <summary>
    /// One tag per area of the API, from the path, in place of the generator's default (the entry assembly's name,
    /// which differs between the host and its tests): the document is then the same wherever it is generated.
    /// </summary>
    private static void TagByArea(OpenApiDocument document)
    {
        var areas = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (path, item) in document.Paths)
        {
            var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            var area = segments is ["api", var first, ..] ? first : "health";
            areas.Add(area);
            foreach (var operation in item.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>())
            {
                operation.Tags = new HashSet<OpenApiTagReference> { new(area, document) };
            }
        }

        document.Tags = new HashSet<OpenApiTag>(areas.Select(area => new OpenApiTag { Name = area }));
    }

    /// <summary>The registry webhook's report leaves null members out (its own JSON options), so they are not required.</summary>
    private static readonly HashSet<Type> s_omitNulls = [typeof(RegistryReport), typeof(EventReport), typeof(CanaryReport)];

    private static Task OmittedWhenNull(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonPropertyInfo is null && s_omitNulls.Contains(context.JsonTypeInfo.Type) && schema.Required is { } required)
        {
            foreach (var property in context.JsonTypeInfo.Properties)
            {
                if (property.AttributeProvider is PropertyInfo member && new NullabilityInfoContext().Create(member).ReadState == NullabilityState.Nullable)
                {
                    required.Remove(property.Name);
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// A property declared nullable (<c>ThresholdRange? Range</c>) is written as <c>null</c>, which the generator's
    /// schema for an inline object does not allow: its type gets <c>null</c> too.
    /// </summary>
    private static Task AllowNullWhereDeclared(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonPropertyInfo?.AttributeProvider is PropertyInfo property && schema.Type is { } type && !type.HasFlag(JsonSchemaType.Null)
            && new NullabilityInfoContext().Create(property).ReadState == NullabilityState.Nullable)
        {
            schema.Type = type | JsonSchemaType.Null;
        }

        return Task.CompletedTask;
    }

    public static WebApplication MapFlaggerOpenApi(this WebApplication app)
    {
        app.MapOpenApi(Path);
        return app;
    }

    private static async Task DescribeResponsesAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var route = "/" + (context.Description.RelativePath ?? "").TrimStart('/').Replace("{**", "{", StringComparison.Ordinal).Replace("{*", "{", StringComparison.Ordinal);
        var key = (context.Description.HttpMethod ?? "", route);
        if (!Responses.TryGetValue(key, out var responses))
        {
            return;
        }

        operation.Responses = new OpenApiResponses();
        foreach (var response in responses)
        {
            var answer = new OpenApiResponse { Description = response.Description, Content = new Dictionary<string, OpenApiMediaType>() };
            if (response.Body is { } body)
            {
                answer.Content["application/json"] = new OpenApiMediaType { Schema = await context.GetOrCreateSchemaAsync(body, null, cancellationToken) };
            }
            else if (response.Text)
            {
                answer.Content[response.TextType] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
            }

            operation.Responses[response.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = answer;
        }
    }

    internal sealed record Response(int Status, string Description, Type? Body = null, bool Text = false, string TextType = "text/plain");

    private static Dictionary<(string, string), IReadOnlyList<Response>> Build()
    {
        Response Error(int status, string description) => new(status, description, typeof(ApiError));
        var invalid = Error(400, "The namespace or name is not a Kubernetes name");
        var unknown = Error(404, "No such canary");
        var outage = Error(503, "Table Storage or the Durable Task client is unavailable (Retry-After)");
        var unauthorized = new Response(401, "Missing or wrong API key");
        Response[] registry =
        [
            new(200, "A per-canary report of each event (or the Event Grid validation answer)", typeof(RegistryReport)),
            Error(400, "A malformed delivery, refused before any side effect"), unauthorized,
        ];
        Response[] gates = [new(200, "The gate's answer", Text: true), new(403, "The gate is closed", Text: true), new(404, "Unknown gate action", Text: true), unauthorized];
        return new()
        {
            [("POST", "/api/registry/events")] = registry,
            [("OPTIONS", "/api/registry/events")] = [new(200, "The CloudEvents abuse-protection handshake"), unauthorized],
            [("GET", "/api/canaries")] = [new(200, "Every canary with a stored state", typeof(List<CanarySummary>)), outage, unauthorized],
            [("GET", "/api/canaries/{namespace}/{name}")] = [new(200, "The canary's status and last checks", typeof(CanaryDetail)), invalid, unknown, outage, unauthorized],
            [("GET", "/api/canaries/{namespace}/{name}/history")] =
                [new(200, "A page of the canary's ticks, newest first", typeof(HistoryPage)), Error(400, "Not a Kubernetes name, or pageSize outside 1-1000"), unknown, outage, unauthorized],
            [("GET", "/api/canaries/{namespace}/{name}/events")] =
                [new(200, "The Canary's Kubernetes Events, newest first", typeof(List<CanaryEvent>)), invalid, unknown, outage, unauthorized],
            [("GET", "/api/dashboard")] = [new(200, "The dashboard page (HTML with its script and stylesheet inlined)", Text: true, TextType: "text/html"), unauthorized],
            [("POST", "/api/canaries/{namespace}/{name}/{operation}")] =
            [
                new(202, "Stored in the canary's inbox; applied by its next tick", typeof(AcceptedOperation)),
                Error(400, "Not a Kubernetes name, or approve without a known gate"),
                Error(404, "No such canary, or not one of promote, abort, retry, pause, resume, approve"),
                Error(409, "The canary's phase does not allow the operation"),
                outage, unauthorized,
            ],
            [("GET", "/api/gates/{action}")] = gates,
            [("POST", "/api/gates/{action}")] = gates,
            [("GET", "/api/metrics")] = [new(200, "Prometheus text exposition (version 0.0.4)", Text: true), unauthorized],
            [("GET", "/healthz")] = [new(200, "The process is alive", Text: true)],
            [("GET", Readiness.Path)] =
                [new(200, "Table Storage and the task hub storage answer", typeof(ReadinessAnswer)), new(503, "What is down and why (Retry-After)", typeof(ReadinessAnswer))],
        };
    }
}
