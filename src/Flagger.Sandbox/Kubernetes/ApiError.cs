using System.Text.Json.Nodes;

namespace Flagger.Sandbox.Kubernetes;

/// <summary>A failure the fake answers with a Kubernetes <c>Status</c> object and the same HTTP code.</summary>
public sealed class ApiError : Exception
{
    public ApiError(int code, string reason, string message, ApiResource? resource = null, string? name = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Resource = resource;
        Name = name;
    }

    public int Code { get; }

    public string Reason { get; }

    public ApiResource? Resource { get; }

    public string? Name { get; }

    public static ApiError NotFound(ApiResource resource, string name) =>
        new(404, "NotFound", $"{resource.QualifiedName} \"{name}\" not found", resource, name);

    public static ApiError AlreadyExists(ApiResource resource, string name) =>
        new(409, "AlreadyExists", $"{resource.QualifiedName} \"{name}\" already exists", resource, name);

    public static ApiError Conflict(ApiResource resource, string name) =>
        new(409, "Conflict",
            $"Operation cannot be fulfilled on {resource.QualifiedName} \"{name}\": the object has been modified; "
            + "please apply your changes to the latest version and try again",
            resource, name);

    public static ApiError Invalid(ApiResource resource, string name, string why) =>
        new(422, "Invalid", $"{(resource.Group.Length == 0 ? resource.Kind : $"{resource.Kind}.{resource.Group}")} \"{name}\" is invalid: {why}", resource, name);

    public static ApiError BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiError UnsupportedMediaType(string message) => new(415, "UnsupportedMediaType", message);

    public static ApiError MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    /// <summary>The <c>Status</c> object a real API server sends for this failure.</summary>
    public JsonObject ToStatus() => Status(Code, Reason, Message, Resource, Name);

    internal static JsonObject Status(int code, string reason, string message, ApiResource? resource = null, string? name = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
        };
        if (resource is not null || name is not null)
        {
            var details = new JsonObject();
            if (name is not null)
            {
                details["name"] = name;
            }

            if (resource is not null)
            {
                details["group"] = resource.Group;
                details["kind"] = resource.Plural;
            }

            status["details"] = details;
        }

        status["code"] = code;
        return status;
    }

    internal static string ReasonFor(int code) => code switch
    {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        406 => "NotAcceptable",
        409 => "Conflict",
        410 => "Expired",
        415 => "UnsupportedMediaType",
        422 => "Invalid",
        429 => "TooManyRequests",
        500 => "InternalError",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "Unknown",
    };
}
