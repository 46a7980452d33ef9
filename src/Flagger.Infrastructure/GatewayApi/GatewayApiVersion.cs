namespace Flagger.Infrastructure.GatewayApi;

/// <summary>
/// The route API version chosen by the Canary's <c>spec.provider</c>. Only v1 writes a mirror <c>percent</c>
/// (Standard since Gateway API 1.3); Flagger's v1beta1 router has none.
/// </summary>
public sealed record GatewayApiVersion(string Version, bool SupportsTimeouts, bool SupportsCors, bool SupportsPrimaryCookie, bool SupportsMirrorPercent)
{
    public const string Group = "gateway.networking.k8s.io";

    public static readonly GatewayApiVersion V1 = new("v1", true, true, true, true);
    public static readonly GatewayApiVersion V1Beta1 = new("v1beta1", false, false, false, false);

    /// <summary>Dropped by Flagger 1.35; kept here because Flagger's Gateway API announcement used it.</summary>
    public static readonly GatewayApiVersion V1Alpha2 = new("v1alpha2", false, false, false, false);

    public string ApiVersion => $"{Group}/{Version}";

    /// <summary>Flagger's prefix rule: <c>gatewayapi:v1beta1*</c>, <c>gatewayapi:v1alpha2*</c>, any other <c>gatewayapi:v1*</c> (and empty) is v1.</summary>
    public static GatewayApiVersion ForProvider(string? provider) => provider switch
    {
        not null when provider.StartsWith("gatewayapi:v1beta1", StringComparison.Ordinal) => V1Beta1,
        not null when provider.StartsWith("gatewayapi:v1alpha2", StringComparison.Ordinal) => V1Alpha2,
        _ => V1,
    };
}
