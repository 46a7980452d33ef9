using System.Text.Json.Serialization;
using k8s.Models;

namespace Flagger.Core.Model;

/// <summary><c>spec.service</c>: how the Services and the HTTPRoute are generated.</summary>
public sealed class CanaryService
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("port")]
    public int Port { get; set; }

    [JsonPropertyName("portName")]
    public string? PortName { get; set; }

    [JsonPropertyName("targetPort")]
    public IntOrString? TargetPort { get; set; }

    [JsonPropertyName("appProtocol")]
    public string? AppProtocol { get; set; }

    [JsonPropertyName("trafficDistribution")]
    public string? TrafficDistribution { get; set; }

    [JsonPropertyName("portDiscovery")]
    public bool PortDiscovery { get; set; }

    [JsonPropertyName("headless")]
    public bool Headless { get; set; }

    [JsonPropertyName("timeout")]
    public string? Timeout { get; set; }

    [JsonPropertyName("backendTimeout")]
    public string? BackendTimeout { get; set; }

    [JsonPropertyName("gatewayRefs")]
    public IList<GatewayReference>? GatewayRefs { get; set; }

    [JsonPropertyName("hosts")]
    public IList<string>? Hosts { get; set; }

    [JsonPropertyName("match")]
    public IList<HttpMatchRequest>? Match { get; set; }

    [JsonPropertyName("rewrite")]
    public HttpRewrite? Rewrite { get; set; }

    [JsonPropertyName("headers")]
    public HeaderOperations? Headers { get; set; }

    [JsonPropertyName("mirror")]
    public IList<MirrorTarget>? Mirror { get; set; }

    [JsonPropertyName("corsPolicy")]
    public CorsPolicy? CorsPolicy { get; set; }

    [JsonPropertyName("apex")]
    public CustomMetadata? Apex { get; set; }

    [JsonPropertyName("primary")]
    public CustomMetadata? Primary { get; set; }

    [JsonPropertyName("canary")]
    public CustomMetadata? Canary { get; set; }

    [JsonPropertyName("unmanagedMetadata")]
    public UnmanagedMetadata? UnmanagedMetadata { get; set; }

    // Istio and App Mesh only. Carried so existing manifests load; the Gateway API router ignores them
    // and the canary gets a warning condition naming each one that is set.
    [JsonPropertyName("gateways")]
    public IList<string>? Gateways { get; set; }

    [JsonPropertyName("delegation")]
    public bool? Delegation { get; set; }

    [JsonPropertyName("trafficPolicy")]
    public object? TrafficPolicy { get; set; }

    [JsonPropertyName("retries")]
    public HttpRetry? Retries { get; set; }

    [JsonPropertyName("meshName")]
    public string? MeshName { get; set; }

    [JsonPropertyName("backends")]
    public IList<string>? Backends { get; set; }
}

public sealed class GatewayReference
{
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }

    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("sectionName")]
    public string? SectionName { get; set; }

    [JsonPropertyName("port")]
    public int? Port { get; set; }
}

/// <summary>Istio's HTTPMatchRequest, as Flagger accepts it in <c>service.match</c> and <c>analysis.match</c>.</summary>
public sealed class HttpMatchRequest
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("uri")]
    public StringMatch? Uri { get; set; }

    [JsonPropertyName("scheme")]
    public StringMatch? Scheme { get; set; }

    [JsonPropertyName("method")]
    public StringMatch? Method { get; set; }

    [JsonPropertyName("authority")]
    public StringMatch? Authority { get; set; }

    [JsonPropertyName("headers")]
    public IDictionary<string, StringMatch>? Headers { get; set; }

    [JsonPropertyName("queryParams")]
    public IDictionary<string, StringMatch>? QueryParams { get; set; }

    [JsonPropertyName("withoutHeaders")]
    public IDictionary<string, StringMatch>? WithoutHeaders { get; set; }

    [JsonPropertyName("port")]
    public int? Port { get; set; }

    [JsonPropertyName("sourceLabels")]
    public IDictionary<string, string>? SourceLabels { get; set; }

    [JsonPropertyName("gateways")]
    public IList<string>? Gateways { get; set; }

    [JsonPropertyName("ignoreUriCase")]
    public bool? IgnoreUriCase { get; set; }

    [JsonPropertyName("sourceNamespace")]
    public string? SourceNamespace { get; set; }
}

public sealed class StringMatch
{
    [JsonPropertyName("exact")]
    public string? Exact { get; set; }

    [JsonPropertyName("prefix")]
    public string? Prefix { get; set; }

    [JsonPropertyName("suffix")]
    public string? Suffix { get; set; }

    [JsonPropertyName("regex")]
    public string? Regex { get; set; }
}

public sealed class HttpRewrite
{
    [JsonPropertyName("uri")]
    public string? Uri { get; set; }

    [JsonPropertyName("authority")]
    public string? Authority { get; set; }

    /// <summary><c>ReplaceFullPath</c> (default) or <c>ReplacePrefixMatch</c>.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }
}

public sealed class HeaderOperations
{
    [JsonPropertyName("request")]
    public HeaderOperation? Request { get; set; }

    [JsonPropertyName("response")]
    public HeaderOperation? Response { get; set; }
}

public sealed class HeaderOperation
{
    [JsonPropertyName("add")]
    public IDictionary<string, string>? Add { get; set; }

    [JsonPropertyName("set")]
    public IDictionary<string, string>? Set { get; set; }

    [JsonPropertyName("remove")]
    public IList<string>? Remove { get; set; }
}

public sealed class MirrorTarget
{
    [JsonPropertyName("backendRef")]
    public BackendReference BackendRef { get; set; } = new();
}

public sealed class BackendReference
{
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }

    [JsonPropertyName("port")]
    public int? Port { get; set; }
}

public sealed class CorsPolicy
{
    [JsonPropertyName("allowOrigin")]
    public IList<string>? AllowOrigin { get; set; }

    /// <summary>Pattern form; Flagger's Gateway API router does not support it (logged as an error).</summary>
    [JsonPropertyName("allowOrigins")]
    public IList<StringMatch>? AllowOrigins { get; set; }

    [JsonPropertyName("allowMethods")]
    public IList<string>? AllowMethods { get; set; }

    [JsonPropertyName("allowHeaders")]
    public IList<string>? AllowHeaders { get; set; }

    [JsonPropertyName("exposeHeaders")]
    public IList<string>? ExposeHeaders { get; set; }

    [JsonPropertyName("allowCredentials")]
    public bool? AllowCredentials { get; set; }

    [JsonPropertyName("maxAge")]
    public string? MaxAge { get; set; }
}

public sealed class CustomMetadata
{
    [JsonPropertyName("labels")]
    public IDictionary<string, string>? Labels { get; set; }

    [JsonPropertyName("annotations")]
    public IDictionary<string, string>? Annotations { get; set; }
}

public sealed class UnmanagedMetadata
{
    [JsonPropertyName("labels")]
    public IList<string>? Labels { get; set; }

    [JsonPropertyName("annotations")]
    public IList<string>? Annotations { get; set; }
}

public sealed class HttpRetry
{
    [JsonPropertyName("attempts")]
    public int? Attempts { get; set; }

    [JsonPropertyName("perTryTimeout")]
    public string? PerTryTimeout { get; set; }

    [JsonPropertyName("retryOn")]
    public string? RetryOn { get; set; }
}
