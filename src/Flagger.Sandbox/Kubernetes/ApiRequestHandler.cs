using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Flagger.Sandbox.Kubernetes;

/// <summary>Turns HTTP requests into store operations, the way kube-apiserver lays out its paths.</summary>
internal sealed class ApiRequestHandler(
    ClusterStore store,
    RequestLog log,
    FaultInjector faults,
    Func<string> token,
    Func<string> serverAddress,
    CancellationToken stopping)
{
    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        string body;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync(context.RequestAborted);
        }

        int code;
        JsonNode answer;
        string? text = null;
        try
        {
            var reply = await AnswerAsync(context, body);
            if (reply.Watch is { } watch)
            {
                log.Add(new RecordedRequest(
                    request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "", request.ContentType, 200, body));
                using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
                try
                {
                    await watch.RunAsync(context.Response, ended.Token);
                }
                catch (OperationCanceledException)
                {
                    // The client went away or the server is stopping: a watch ends that way.
                }

                return;
            }

            (code, answer) = (reply.Code, reply.Body!);
            text = reply.Raw;
        }
        catch (ApiError e)
        {
            (code, answer) = (e.Code, e.ToStatus());
        }
        catch (JsonException e)
        {
            (code, answer) = (400, ApiError.BadRequest($"the body of the request was in an unknown format: {e.Message}").ToStatus());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug in the fake itself: answer like kube-apiserver does and show the cause to the test.
            (code, answer) = (500, ApiError.Status(500, "InternalError", $"fake API server failure: {e}"));
        }

        log.Add(new RecordedRequest(
            request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "", request.ContentType, code, body));
        if (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        if (code == 429)
        {
            context.Response.Headers.RetryAfter = "1";
        }

        await context.Response.WriteAsync(text ?? answer.ToJsonString(), context.RequestAborted);
    }

    private async Task<Reply> AnswerAsync(HttpContext context, string body)
    {
        var request = context.Request;
        if (request.Headers.Authorization.ToString() != $"Bearer {token()}")
        {
            return (401, ApiError.Status(401, "Unauthorized", "Unauthorized"));
        }

        var path = request.Path.Value ?? "/";
        if (faults.Take(request.Method, path) is { } fault)
        {
            if (fault.Hang is { } hang)
            {
                // A hang ends when the client gives up or the server stops, so disposing never waits for it.
                using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
                try
                {
                    await Task.Delay(hang, ended.Token);
                }
                catch (OperationCanceledException)
                {
                    // The client gave up, which is what a hang is for; the log still records the call.
                }
            }

            var reason = ApiError.ReasonFor(fault.StatusCode);
            return (fault.StatusCode, ApiError.Status(fault.StatusCode, reason, $"injected fault: {reason}"));
        }

        store.Settle();
        return Route(request, path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries), body);
    }

    private Reply Route(HttpRequest request, string[] segments, string body)
    {
        switch (segments)
        {
            case ["version"]:
                return (200, Discovery.Version());
            case ["api"]:
                return (200, Discovery.CoreVersions(serverAddress()));
            case ["apis"]:
                return (200, Discovery.Groups());
            case ["apis", var group]:
                return (200, Discovery.GroupOrNull(group) ?? throw NotFoundPath(request));
            case ["api", "v1"]:
                return (200, Discovery.Resources("", "v1") ?? throw NotFoundPath(request));
            case ["apis", var group, var version]:
                return (200, Discovery.Resources(group, version) ?? throw NotFoundPath(request));
            case ["openapi", "v2"]:
                return OpenApiDocuments.AcceptsJson(request.Headers.Accept.ToString())
                    ? new Reply(200, null, Raw: OpenApiDocuments.V2Document())
                    : throw new ApiError(406, "NotAcceptable", "only the following media types are accepted: application/json");
            case ["openapi", "v3"]:
                return (200, OpenApiDocuments.V3Root());
            case ["openapi", "v3", .. var groupVersion]:
                return new Reply(200, null, Raw: OpenApiDocuments.V3Document(string.Join('/', groupVersion)) ?? throw NotFoundPath(request));
            case ["api", "v1", .. var rest]:
                return Resource(request, "", "v1", rest, body);
            case ["apis", var group, var version, .. var rest]:
                return Resource(request, group, version, rest, body);
            default:
                throw NotFoundPath(request);
        }
    }

    private Reply Resource(HttpRequest request, string group, string version, string[] rest, string body)
    {
        string? ns = null;
        if (rest is ["namespaces", var namespaceName, var plural, ..] && ApiResources.FindByPlural(group, version, plural) is { Namespaced: true })
        {
            ns = namespaceName;
            rest = rest[2..];
        }

        var resource = ApiResources.FindByPlural(group, version, rest[0]) ?? throw NotFoundPath(request);
        var name = rest.Length > 1 ? rest[1] : null;
        var subresource = rest.Length > 2 ? rest[2] : null;
        if (rest.Length > 3 || (subresource is not null && (subresource != "status" || !resource.HasStatusSubresource)))
        {
            throw NotFoundPath(request);
        }

        if (resource.Namespaced && ns is null && name is not null)
        {
            throw NotFoundPath(request);
        }

        var status = subresource == "status";
        var scope = ns ?? "";
        var query = request.Query;
        // As in kube-apiserver, watch is a form of list; one object is watched with fieldSelector=metadata.name=NAME.
        if (request.Method == "GET" && name is null && query["watch"].ToString() is "true" or "1")
        {
            return new Reply(200, null, new WatchStream(store, resource, version, ns, request));
        }

        switch (request.Method, name)
        {
            case ("GET", null):
                var (items, listVersion) = store.List(
                    resource, ns, LabelSelector.Parse(query["labelSelector"]), FieldSelectors.Checked(resource, LabelSelector.ParseFields(query["fieldSelector"])));
                return (200, TablePrinting.IsRequested(request)
                    ? TablePrinting.Table(resource, [.. items.Select(i => AtVersion(i, resource, version))], listVersion, store.Time.GetUtcNow(), query["includeObject"])
                    : ListAnswer(resource, version, items, listVersion));
            case ("GET", _):
                var found = AtVersion(store.Get(resource, scope, name), resource, version);
                return (200, TablePrinting.IsRequested(request)
                    ? TablePrinting.Table(resource, [found], found["metadata"]?["resourceVersion"]?.GetValue<string>() ?? "", store.Time.GetUtcNow(), query["includeObject"])
                    : found);
            case ("POST", null):
                var toCreate = ParseObject(body);
                CheckFields(request, resource, version, toCreate);
                var created = store.Create(resource, scope, toCreate);
                return (201, AtVersion(created, resource, version));
            case ("PUT", not null):
                var replacement = ParseObject(body);
                CheckFields(request, resource, version, replacement);
                return (200, AtVersion(store.Replace(resource, scope, name, replacement, status), resource, version));
            case ("PATCH", not null):
                var kind = PatchKindOf(request.ContentType, resource);
                if (kind == PatchKind.Apply && string.IsNullOrEmpty(query["fieldManager"]))
                {
                    throw ApiError.Invalid(resource, name, "fieldManager: Required value: is required for apply patch");
                }

                var patch = JsonNode.Parse(body) ?? throw ApiError.BadRequest("empty patch");
                if (kind != PatchKind.Json)
                {
                    CheckFields(request, resource, version, patch);
                }

                var (patched, wasCreated) = store.Patch(resource, scope, name, kind, patch, status);
                return (wasCreated ? 201 : 200, AtVersion(patched, resource, version));
            case ("DELETE", not null):
                // An object its finalizers keep is answered as it now is (with its deletionTimestamp), as kube-apiserver does.
                var (deleted, removed) = store.RequestDeletion(resource, scope, name);
                return (200, resource.IsCustomResource || !removed ? AtVersion(deleted, resource, version) : DeleteStatus(resource, deleted));
            default:
                throw ApiError.MethodNotAllowed($"the server does not allow this method on the requested resource ({request.Method} {request.Path})");
        }
    }

    /// <summary>Server-side field validation (<c>fieldValidation</c>; Warn when absent, as kube-apiserver since 1.27):
    /// Strict answers 400 naming every unknown field, Warn adds one <c>Warning</c> header each, Ignore says nothing.
    /// Unknown fields are kept, not pruned.</summary>
    private static void CheckFields(HttpRequest request, ApiResource resource, string version, JsonNode body)
    {
        var directive = request.Query["fieldValidation"].ToString();
        if (directive is not ("" or "Strict" or "Warn" or "Ignore"))
        {
            throw ApiError.BadRequest($"fieldValidation: Unsupported value: \"{directive}\": supported values: \"Ignore\", \"Strict\", \"Warn\"");
        }

        if (directive == "Ignore")
        {
            return;
        }

        var unknown = OpenApiSchemas.Of(resource, version).UnknownFields(body);
        if (unknown.Count == 0)
        {
            return;
        }

        if (directive == "Strict")
        {
            throw ApiError.BadRequest(
                $"{resource.Kind} in version \"{version}\" cannot be handled as a {resource.Kind}: strict decoding error: "
                + string.Join(", ", unknown.Select(field => $"unknown field \"{field}\"")));
        }

        foreach (var field in unknown)
        {
            request.HttpContext.Response.Headers.Append("Warning", $"299 - \"unknown field \\\"{field}\\\"\"");
        }
    }

    private static PatchKind PatchKindOf(string? contentType, ApiResource resource)
    {
        var mediaType = (contentType ?? "").Split(';')[0].Trim().ToLowerInvariant();
        return mediaType switch
        {
            "application/merge-patch+json" => PatchKind.Merge,
            "application/json-patch+json" => PatchKind.Json,
            "application/apply-patch+yaml" => PatchKind.Apply,
            "application/strategic-merge-patch+json" when !resource.IsCustomResource => PatchKind.StrategicMerge,
            "application/strategic-merge-patch+json" => throw ApiError.UnsupportedMediaType(
                "the body of the request was in an unknown format - accepted media types include: "
                + "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"),
            _ => throw ApiError.UnsupportedMediaType(
                $"the body of the request was in an unknown format ({mediaType}) - accepted media types include: "
                + "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, "
                + "application/strategic-merge-patch+json"),
        };
    }

    private static JsonObject ParseObject(string body) =>
        JsonNode.Parse(body) as JsonObject ?? throw ApiError.BadRequest("the body of the request must be a JSON object");

    internal static JsonObject AtVersion(JsonObject obj, ApiResource resource, string version)
    {
        obj["apiVersion"] = resource.ApiVersion(version);
        obj["kind"] = resource.Kind;
        return obj;
    }

    /// <summary>Built-in lists leave kind and apiVersion off their items; custom resource lists keep them.</summary>
    private static JsonObject ListAnswer(ApiResource resource, string version, IReadOnlyList<JsonObject> items, string resourceVersion)
    {
        var array = new JsonArray();
        foreach (var item in items)
        {
            if (resource.IsCustomResource)
            {
                AtVersion(item, resource, version);
            }
            else
            {
                item.Remove("apiVersion");
                item.Remove("kind");
            }

            array.Add(item);
        }

        return new JsonObject
        {
            ["kind"] = resource.Kind + "List",
            ["apiVersion"] = resource.ApiVersion(version),
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion },
            ["items"] = array,
        };
    }

    private static JsonObject DeleteStatus(ApiResource resource, JsonObject deleted) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Success",
        ["details"] = new JsonObject
        {
            ["name"] = deleted["metadata"]?["name"]?.DeepClone(),
            ["group"] = resource.Group,
            ["kind"] = resource.Plural,
            ["uid"] = deleted["metadata"]?["uid"]?.DeepClone(),
        },
    };

    /// <summary>A JSON answer, or a watch to stream.</summary>
    private sealed record Reply(int Code, JsonNode? Body, WatchStream? Watch = null, string? Raw = null)
    {
        public static implicit operator Reply((int Code, JsonNode Body) answer) => new(answer.Code, answer.Body);
    }

    private static ApiError NotFoundPath(HttpRequest request) =>
        new(404, "NotFound", $"the server could not find the requested resource ({request.Method} {request.Path})");
}
