using System.Text.Json;

namespace Flagger.Infrastructure.Registry;

/// <summary>
/// The two ways Event Grid proves an endpoint wants its events: a <c>SubscriptionValidationEvent</c> posted in
/// the Event Grid schema (answered with its code), and the CloudEvents webhook abuse-protection <c>OPTIONS</c>
/// request (answered with the origin it named).
/// </summary>
public static class EventGridHandshake
{
    public const string RequestOriginHeader = "WebHook-Request-Origin";
    public const string AllowedOriginHeader = "WebHook-Allowed-Origin";
    public const string AllowedRateHeader = "WebHook-Allowed-Rate";

    /// <summary>The answer to an <c>OPTIONS</c> request: the origin echoed, any rate; 400 when no origin is named.</summary>
    public static RegistryResponse AnswerAbuseProtection(RegistryRequest request)
    {
        var origin = request.Header(RequestOriginHeader);
        if (string.IsNullOrWhiteSpace(origin))
        {
            return RegistryResponse.Json(400, Error($"OPTIONS without a {RequestOriginHeader} header is not a CloudEvents validation request"));
        }

        return new RegistryResponse(200, null, new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            [AllowedOriginHeader] = origin.Trim(),
            [AllowedRateHeader] = "*",
            ["Allow"] = "OPTIONS, POST",
        });
    }

    /// <summary>The answer to a <c>SubscriptionValidationEvent</c>: <c>{"validationResponse": code}</c>.</summary>
    public static RegistryResponse AnswerValidation(string validationCode) =>
        RegistryResponse.Json(200, JsonSerializer.Serialize(new Dictionary<string, string> { ["validationResponse"] = validationCode }));

    internal static string Error(string reason) => JsonSerializer.Serialize(new Dictionary<string, string> { ["error"] = reason });
}
