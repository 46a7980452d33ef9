using Flagger.Core.Routing;

namespace Flagger.Core.Model;

/// <summary>
/// Checks a Canary before it is scheduled: Flagger's CRD schema and controller rules, the Gateway API
/// router's limits, and our rejections of Flagger's quirks (DESIGN.md §3). Fields only other routers
/// read are warnings, so manifests written for Istio or NGINX still load and say what is ignored.
/// </summary>
public static partial class CanaryValidator
{
    public const string DefaultProvider = "gatewayapi:v1";

    /// <summary>The Gateway API versions we route with; empty means <see cref="DefaultProvider"/>.</summary>
    public static readonly IReadOnlySet<string> SupportedProviders = new HashSet<string>(StringComparer.Ordinal)
    {
        "gatewayapi:v1", "gatewayapi:v1beta1", "gatewayapi:v1alpha2",
    };

    public static readonly IReadOnlySet<string> AlertSeverities = new HashSet<string>(StringComparer.Ordinal)
    {
        "", "info", "warn", "error",
    };

    private static readonly string[] s_noDataPolicies = ["fail", "pass", "skip"];
    private static readonly string[] s_sameSiteValues = ["Strict", "Lax", "None"];
    private static readonly string[] s_rewriteTypes = ["ReplaceFullPath", "ReplacePrefixMatch"];
    private static readonly string[] s_autoscalerKinds = ["HorizontalPodAutoscaler", "ScaledObject"];

    public static CanaryValidation Validate(Canary canary)
    {
        ArgumentNullException.ThrowIfNull(canary);
        var problems = new Problems();
        var spec = canary.Spec;

        ValidateProvider(spec, problems);
        ValidateTarget(spec, problems);
        ValidateService(spec, problems);
        ValidateIgnoredTopLevel(spec, problems);
        ValidateRouteRef(spec, problems);
        if (GateTimeoutAnnotation.Problem(canary) is { } gateTimeout)
        {
            problems.Warning(GateTimeoutAnnotation.Field, gateTimeout);
        }

        if (spec.Analysis is null && spec.CanaryAnalysis is null)
        {
            problems.Error("spec.analysis", "is required (interval, threshold and stepWeight, stepWeights or iterations)");
        }
        else
        {
            if (spec.CanaryAnalysis is not null)
            {
                problems.Warning("spec.canaryAnalysis", spec.Analysis is null
                    ? "is deprecated; rename it to analysis"
                    : "is deprecated and ignored because analysis is set");
            }

            var path = spec.Analysis is not null ? "spec.analysis" : "spec.canaryAnalysis";
            ValidateAnalysis(canary.Analysis, path, spec, problems);
        }

        // Last: a GRPCRoute's errors supersede the HTTPRoute warnings given above for the same fields.
        ValidateRouteKind(canary, problems);
        return new CanaryValidation(problems.List);
    }

    private static void ValidateProvider(CanarySpec spec, Problems problems)
    {
        if (!string.IsNullOrEmpty(spec.Provider) && !SupportedProviders.Contains(spec.Provider))
        {
            problems.Error("spec.provider",
                $"\"{spec.Provider}\" is not supported; only Gateway API is (gatewayapi:v1, gatewayapi:v1beta1 or gatewayapi:v1alpha2)");
        }
    }

    private static void ValidateTarget(CanarySpec spec, Problems problems)
    {
        var target = spec.TargetRef;
        if (string.IsNullOrWhiteSpace(target.Name))
        {
            problems.Error("spec.targetRef.name", "is required");
        }

        if (string.IsNullOrEmpty(target.Kind))
        {
            problems.Error("spec.targetRef.kind", "is required and must be Deployment");
        }
        else if (target.Kind != "Deployment")
        {
            problems.Error("spec.targetRef.kind", $"{target.Kind} is not supported; only apps/v1 Deployment is");
        }

        if (!string.IsNullOrEmpty(target.ApiVersion) && target.ApiVersion != "apps/v1")
        {
            problems.Error("spec.targetRef.apiVersion", $"{target.ApiVersion} is not supported; only apps/v1 is");
        }

        if (spec.AutoscalerRef is { } autoscaler)
        {
            if (string.IsNullOrWhiteSpace(autoscaler.Name))
            {
                problems.Error("spec.autoscalerRef.name", "is required");
            }

            if (!s_autoscalerKinds.Contains(autoscaler.Kind))
            {
                problems.Error("spec.autoscalerRef.kind", "must be HorizontalPodAutoscaler or ScaledObject");
            }

            if (autoscaler.PrimaryScalerReplicas is { } replicas)
            {
                if (replicas.MinReplicas is < 1)
                {
                    problems.Error("spec.autoscalerRef.primaryScalerReplicas.minReplicas", "must be at least 1");
                }

                if (replicas.MaxReplicas is < 1)
                {
                    problems.Error("spec.autoscalerRef.primaryScalerReplicas.maxReplicas", "must be at least 1");
                }
            }
        }
    }

    private static void ValidateService(CanarySpec spec, Problems problems)
    {
        var service = spec.Service;
        const string Path = "spec.service";
        if (service.Port <= 0)
        {
            problems.Error($"{Path}.port", "is required and must be a positive port number");
        }

        if (service.GatewayRefs is not { Count: > 0 })
        {
            if (spec.RouteRef is null)
            {
                problems.Error($"{Path}.gatewayRefs", "at least one Gateway reference is required for Gateway API (or spec.routeRef to attach to a route of your own)");
            }
        }
        else
        {
            for (var i = 0; i < service.GatewayRefs.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(service.GatewayRefs[i].Name))
                {
                    problems.Error($"{Path}.gatewayRefs[{i}].name", "is required");
                }
            }
        }

        RequireDuration(service.Timeout, $"{Path}.timeout", problems);
        RequireDuration(service.BackendTimeout, $"{Path}.backendTimeout", problems);

        if (service.Rewrite?.Type is { Length: > 0 } rewriteType && !s_rewriteTypes.Contains(rewriteType))
        {
            problems.Error($"{Path}.rewrite.type", "must be ReplaceFullPath or ReplacePrefixMatch");
        }

        for (var i = 0; i < (service.Mirror?.Count ?? 0); i++)
        {
            var backend = service.Mirror![i].BackendRef;
            if (string.IsNullOrWhiteSpace(backend.Name))
            {
                problems.Error($"{Path}.mirror[{i}].backendRef.name", "is required");
            }

            if (string.IsNullOrEmpty(backend.Group) && backend.Kind is null or "" or "Service" && backend.Port is null)
            {
                problems.Error($"{Path}.mirror[{i}].backendRef.port", "is required for a Service backend");
            }
        }

        for (var i = 0; i < (service.Match?.Count ?? 0); i++)
        {
            ValidateMatch(service.Match![i], $"{Path}.match[{i}]", isAnalysisMatch: false, problems);
        }

        if (service.CorsPolicy is { } cors)
        {
            if (cors.AllowOrigins is { Count: > 0 })
            {
                problems.Warning($"{Path}.corsPolicy.allowOrigins", "the pattern form is ignored by Gateway API; use allowOrigin");
            }

            RequireDuration(cors.MaxAge, $"{Path}.corsPolicy.maxAge", problems);
        }

        if (service.Gateways is { Count: > 0 })
        {
            problems.Warning($"{Path}.gateways", IgnoredBy("Istio"));
        }

        if (service.Delegation is not null)
        {
            problems.Warning($"{Path}.delegation", IgnoredBy("Istio"));
        }

        if (service.TrafficPolicy is not null)
        {
            problems.Warning($"{Path}.trafficPolicy", IgnoredBy("Istio"));
        }

        if (service.Retries is not null)
        {
            problems.Warning($"{Path}.retries", IgnoredBy("Istio"));
        }

        if (!string.IsNullOrEmpty(service.MeshName))
        {
            problems.Warning($"{Path}.meshName", IgnoredBy("App Mesh"));
        }

        if (service.Backends is { Count: > 0 })
        {
            problems.Warning($"{Path}.backends", IgnoredBy("App Mesh"));
        }

        // The v1beta1 HTTPRoute has no timeouts and no CORS filter (spec §4.1).
        if (spec.Provider == "gatewayapi:v1beta1")
        {
            if (!string.IsNullOrEmpty(service.Timeout))
            {
                problems.Warning($"{Path}.timeout", "is ignored with gatewayapi:v1beta1 (no HTTPRoute timeouts); use gatewayapi:v1");
            }

            if (!string.IsNullOrEmpty(service.BackendTimeout))
            {
                problems.Warning($"{Path}.backendTimeout", "is ignored with gatewayapi:v1beta1 (no HTTPRoute timeouts); use gatewayapi:v1");
            }

            if (service.CorsPolicy is not null)
            {
                problems.Warning($"{Path}.corsPolicy", "is ignored with gatewayapi:v1beta1 (no CORS filter); use gatewayapi:v1");
            }
        }
    }

    /// <summary>
    /// <c>spec.routeRef</c> (APISIX's field in Flagger) names an HTTPRoute or GRPCRoute of the user's own to
    /// attach to instead of generating one. Beside <c>service.gatewayRefs</c> an APISIX reference stays the
    /// warning it always was (Flagger manifests keep loading), but a Gateway API route is an error, not a
    /// silent choice: either way one of the two routes the user meant would not carry the canary's traffic.
    /// </summary>
    private static void ValidateRouteRef(CanarySpec spec, Problems problems)
    {
        if (spec.RouteRef is not { } route)
        {
            return;
        }

        var generated = spec.Service.GatewayRefs is { Count: > 0 };
        if (route.Kind is not (RouteKind.HttpRouteKind or RouteKind.GrpcRouteKind))
        {
            if (generated)
            {
                problems.Warning("spec.routeRef", IgnoredBy("APISIX"));
            }
            else
            {
                problems.Error("spec.routeRef.kind", $"{(string.IsNullOrEmpty(route.Kind) ? "(empty)" : route.Kind)} is not supported; only an HTTPRoute or GRPCRoute (gateway.networking.k8s.io) of your own can be attached to");
            }

            return;
        }

        if (string.IsNullOrWhiteSpace(route.Name))
        {
            problems.Error("spec.routeRef.name", "is required");
        }

        if (!string.IsNullOrEmpty(route.ApiVersion) && !route.ApiVersion.StartsWith("gateway.networking.k8s.io/", StringComparison.Ordinal))
        {
            problems.Error("spec.routeRef.apiVersion", $"{route.ApiVersion} is not supported; the route must be gateway.networking.k8s.io (its version follows spec.provider)");
        }

        if (generated)
        {
            problems.Error("spec.routeRef", "cannot be used with spec.service.gatewayRefs: set gatewayRefs for a route Flagger generates and owns, or routeRef to attach to a route of your own");
            return;
        }

        var analysis = spec.Analysis ?? spec.CanaryAnalysis;
        if (analysis?.SessionAffinity is not null)
        {
            problems.Error($"{(spec.Analysis is not null ? "spec.analysis" : "spec.canaryAnalysis")}.sessionAffinity", "is not supported with spec.routeRef (a route of your own); use spec.service.gatewayRefs");
        }

        var service = spec.Service;
        const string Ignored = "is ignored with spec.routeRef: the route of your own keeps what you wrote in it";
        string?[] set =
        [
            service.Hosts is { Count: > 0 } ? "hosts" : null,
            service.Match is { Count: > 0 } ? "match" : null,
            service.Headers is not null ? "headers" : null,
            service.Rewrite is not null ? "rewrite" : null,
            string.IsNullOrEmpty(service.Timeout) ? null : "timeout",
            string.IsNullOrEmpty(service.BackendTimeout) ? null : "backendTimeout",
            service.CorsPolicy is not null ? "corsPolicy" : null,
            service.Mirror is { Count: > 0 } ? "mirror" : null,
        ];
        foreach (var field in set.OfType<string>())
        {
            problems.Warning($"spec.service.{field}", Ignored);
        }

        if (route.Kind == RouteKind.GrpcRouteKind)
        {
            var matches = analysis?.Match ?? [];
            for (var i = 0; i < matches.Count; i++)
            {
                if (matches[i].QueryParams is { Count: > 0 })
                {
                    problems.Error($"{(spec.Analysis is not null ? "spec.analysis" : "spec.canaryAnalysis")}.match[{i}].queryParams", "a GRPCRoute cannot match query parameters; use headers");
                }
            }
        }
    }

    private static void ValidateIgnoredTopLevel(CanarySpec spec, Problems problems)
    {
        if (spec.IngressRef is not null)
        {
            problems.Warning("spec.ingressRef", IgnoredBy("NGINX"));
        }


        if (spec.UpstreamRef is not null)
        {
            problems.Warning("spec.upstreamRef", IgnoredBy("Gloo"));
        }
    }

    private static void ValidateAnalysis(CanaryAnalysis analysis, string path, CanarySpec spec, Problems problems)
    {
        if (string.IsNullOrEmpty(analysis.Interval))
        {
            problems.Error($"{path}.interval", "is required");
        }
        else
        {
            RequirePositiveDuration(analysis.Interval, $"{path}.interval", problems);
        }

        if (analysis.Threshold is null)
        {
            problems.Error($"{path}.threshold", "is required (failed checks before rollback)");
        }
        else if (analysis.Threshold < 0)
        {
            problems.Error($"{path}.threshold", "must not be negative");
        }

        ValidateSchedule(analysis, path, problems);

        RequirePercentage(analysis.PrimaryReadyThreshold, $"{path}.primaryReadyThreshold", problems);
        RequirePercentage(analysis.CanaryReadyThreshold, $"{path}.canaryReadyThreshold", problems);

        if (analysis.Mirror && analysis.Iterations is null)
        {
            problems.Error($"{path}.mirror",
                "traffic mirroring needs iterations (Blue/Green); with stepWeight the canary would never leave weight 0");
        }

        ValidateMirrorWeight(analysis, path, spec, problems);

        for (var i = 0; i < (analysis.Match?.Count ?? 0); i++)
        {
            ValidateMatch(analysis.Match![i], $"{path}.match[{i}]", isAnalysisMatch: true, problems);
        }

        if (analysis.SessionAffinity is { } affinity)
        {
            ValidateSessionAffinity(affinity, $"{path}.sessionAffinity", spec, problems);
        }

        for (var i = 0; i < (analysis.Metrics?.Count ?? 0); i++)
        {
            ValidateMetric(analysis.Metrics![i], $"{path}.metrics[{i}]", problems);
        }

        for (var i = 0; i < (analysis.Webhooks?.Count ?? 0); i++)
        {
            ValidateWebhook(analysis.Webhooks![i], $"{path}.webhooks[{i}]", problems);
        }

        for (var i = 0; i < (analysis.Alerts?.Count ?? 0); i++)
        {
            ValidateAlert(analysis.Alerts![i], $"{path}.alerts[{i}]", problems);
        }
    }

    /// <summary>
    /// The CRD's <c>oneOf</c>: exactly one of iterations, stepWeight and stepWeights is present (a present
    /// zero counts, as in the JSON schema).
    /// </summary>
    private static void ValidateSchedule(CanaryAnalysis analysis, string path, Problems problems)
    {
        var hasIterations = analysis.Iterations is not null;
        var hasStepWeight = analysis.StepWeight is not null;
        var hasStepWeights = analysis.StepWeights is not null;

        if (!hasIterations && !hasStepWeight && !hasStepWeights)
        {
            problems.Error(path, "needs stepWeight, stepWeights or iterations");
        }

        if (hasIterations && (hasStepWeight || hasStepWeights))
        {
            problems.Error($"{path}.iterations",
                $"cannot be combined with {(hasStepWeight ? "stepWeight" : "stepWeights")}: iterations selects Blue/Green or A/B testing, step weights the canary strategy");
        }

        if (hasStepWeight && hasStepWeights)
        {
            problems.Error($"{path}.stepWeights", "cannot be combined with stepWeight; use one of them");
        }

        if (analysis.Iterations is <= 0)
        {
            problems.Error($"{path}.iterations", "must be at least 1");
        }

        if (analysis.StepWeight is { } step && step is < 1 or > 100)
        {
            problems.Error($"{path}.stepWeight", "must be between 1 and 100");
        }

        if (analysis.StepWeights is { } steps)
        {
            if (steps.Count == 0)
            {
                problems.Error($"{path}.stepWeights", "must not be empty");
            }

            for (var i = 0; i < steps.Count; i++)
            {
                if (steps[i] < 1)
                {
                    problems.Error($"{path}.stepWeights[{i}]", "must be at least 1");
                }
                else if (i > 0 && steps[i] <= steps[i - 1])
                {
                    problems.Error($"{path}.stepWeights[{i}]", $"must be greater than the previous step ({steps[i - 1]})");
                }
                else if (steps[i] > 100)
                {
                    // Flagger accepts it and caps the weight at 100; existing manifests must keep working.
                    problems.Warning($"{path}.stepWeights[{i}]", "is above 100; the canary weight stops at 100");
                }
            }
        }

        if (analysis.MaxWeight is { } max && max is < 1 or > 100)
        {
            problems.Error($"{path}.maxWeight", "must be between 1 and 100");
        }

        if (analysis.StepWeightPromotion is { } promotion && promotion is < 0 or > 100)
        {
            problems.Error($"{path}.stepWeightPromotion", "must be between 0 and 100 (0 promotes in one step)");
        }
    }

    private static void ValidateMatch(HttpMatchRequest match, string path, bool isAnalysisMatch, Problems problems)
    {
        foreach (var (name, value) in match.Headers ?? new Dictionary<string, StringMatch>())
        {
            var field = $"{path}.headers.{name}";
            RejectUnless(value.Prefix, $"{field}.prefix", "prefix header match is not supported by Gateway API; use exact or regex", problems);
            RejectUnless(value.Suffix, $"{field}.suffix", "suffix header match is not supported by Gateway API; use exact or regex", problems);
            RequireExactOrRegex(value, field, problems);
        }

        foreach (var (name, value) in match.QueryParams ?? new Dictionary<string, StringMatch>())
        {
            var field = $"{path}.queryParams.{name}";
            RejectUnless(value.Prefix, $"{field}.prefix", "prefix query parameter match is not supported by Gateway API; use exact or regex", problems);
            RejectUnless(value.Suffix, $"{field}.suffix", "suffix query parameter match is not supported by Gateway API; use exact or regex", problems);
            RequireExactOrRegex(value, field, problems);
        }

        if (isAnalysisMatch)
        {
            // The A/B rule copies path and method from service.match and takes only headers and query
            // parameters from analysis.match (spec §4.5).
            if (match.Uri is not null)
            {
                problems.Warning($"{path}.uri", "is ignored in analysis.match; the path comes from service.match");
            }

            if (match.Method is not null)
            {
                problems.Warning($"{path}.method", "is ignored in analysis.match; the method comes from service.match");
            }
        }
        else
        {
            if (match.Uri is { } uri)
            {
                RejectUnless(uri.Suffix, $"{path}.uri.suffix", "suffix path match is not supported by Gateway API; use exact, prefix or regex", problems);
            }

            if (match.Method is { } method && method.Exact is null)
            {
                problems.Error($"{path}.method", "only an exact method match is supported by Gateway API");
            }
        }

        WarnIgnoredMatchField(match.Authority is not null, $"{path}.authority", problems);
        WarnIgnoredMatchField(match.Scheme is not null, $"{path}.scheme", problems);
        WarnIgnoredMatchField(match.SourceLabels is { Count: > 0 }, $"{path}.sourceLabels", problems);
        WarnIgnoredMatchField(match.SourceNamespace is { Length: > 0 }, $"{path}.sourceNamespace", problems);
        WarnIgnoredMatchField(match.WithoutHeaders is { Count: > 0 }, $"{path}.withoutHeaders", problems);
        WarnIgnoredMatchField(match.IgnoreUriCase is not null, $"{path}.ignoreUriCase", problems);
        WarnIgnoredMatchField(match.Gateways is { Count: > 0 }, $"{path}.gateways", problems);
        WarnIgnoredMatchField(match.Port is not null, $"{path}.port", problems);
    }

    private static void ValidateSessionAffinity(SessionAffinity affinity, string path, CanarySpec spec, Problems problems)
    {
        if (string.IsNullOrWhiteSpace(affinity.CookieName))
        {
            problems.Error($"{path}.cookieName", "is required");
        }
        else if (affinity.PrimaryCookieName == affinity.CookieName)
        {
            problems.Error($"{path}.primaryCookieName", "must differ from cookieName");
        }

        if (affinity.SameSite is { Length: > 0 } sameSite && !s_sameSiteValues.Contains(sameSite))
        {
            problems.Error($"{path}.sameSite", "must be Strict, Lax or None");
        }

        if (affinity.MaxAge is < 0)
        {
            problems.Error($"{path}.maxAge", "must not be negative");
        }

        if (spec.Provider == "gatewayapi:v1beta1" && !string.IsNullOrEmpty(affinity.PrimaryCookieName))
        {
            problems.Warning($"{path}.primaryCookieName", "is ignored with gatewayapi:v1beta1; use gatewayapi:v1");
        }
    }

    private static void ValidateMetric(CanaryMetric metric, string path, Problems problems)
    {
        if (string.IsNullOrWhiteSpace(metric.Name))
        {
            problems.Error($"{path}.name", "is required");
        }

        if (!string.IsNullOrEmpty(metric.Interval))
        {
            RequirePositiveDuration(metric.Interval, $"{path}.interval", problems);
        }

        if (metric.ThresholdRange is { } range)
        {
            if (range.Min is null && range.Max is null)
            {
                problems.Error($"{path}.thresholdRange", "needs min, max or both");
            }
            else if (range.Min > range.Max)
            {
                problems.Error($"{path}.thresholdRange", $"min ({range.Min}) is greater than max ({range.Max})");
            }
        }
        else if (metric.Threshold is null && !metric.IsBuiltin)
        {
            problems.Error($"{path}.thresholdRange",
                "is required: without thresholdRange (or the deprecated threshold) every value above 0 would fail the check");
        }

        if (metric.Threshold is { } threshold)
        {
            var suggestion = metric.Name == CanaryMetric.RequestSuccessRate ? $"min: {threshold}" : $"max: {threshold}";
            problems.Warning($"{path}.threshold", $"is deprecated; use thresholdRange ({suggestion})");
        }

        if (!metric.IsBuiltin && metric.TemplateRef is null && string.IsNullOrWhiteSpace(metric.Query))
        {
            problems.Error($"{path}.templateRef",
                $"no usable metrics template and query: {metric.Name} is not a builtin metric, so it needs a templateRef");
        }

        if (metric.TemplateRef is { } template && string.IsNullOrWhiteSpace(template.Name))
        {
            problems.Error($"{path}.templateRef.name", "is required");
        }

        if (!string.IsNullOrWhiteSpace(metric.Query))
        {
            problems.Warning($"{path}.query", "inline queries are deprecated; use a MetricTemplate and templateRef");
        }

        if (!string.IsNullOrEmpty(metric.OnNoData)
            && !s_noDataPolicies.Contains(metric.OnNoData, StringComparer.OrdinalIgnoreCase))
        {
            problems.Error($"{path}.onNoData", "must be fail, pass or skip");
        }
    }

    private static void ValidateWebhook(CanaryWebhook webhook, string path, Problems problems)
    {
        if (string.IsNullOrWhiteSpace(webhook.Name))
        {
            problems.Error($"{path}.name", "is required");
        }

        // The URL may carry a token: messages never repeat it.
        if (string.IsNullOrWhiteSpace(webhook.Url))
        {
            problems.Error($"{path}.url", "is required");
        }
        else if (!Uri.TryCreate(webhook.Url, UriKind.Absolute, out var url)
                 || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            problems.Error($"{path}.url", "must be an absolute http or https URL");
        }

        if (!string.IsNullOrEmpty(webhook.Type) && !WebhookType.All.Contains(webhook.Type))
        {
            problems.Error($"{path}.type", $"\"{webhook.Type}\" is not a webhook type; use one of {string.Join(", ", WebhookType.All.Order(StringComparer.Ordinal))}");
        }

        if (!string.IsNullOrEmpty(webhook.Timeout))
        {
            RequirePositiveDuration(webhook.Timeout, $"{path}.timeout", problems);
        }

        if (webhook.Retries is < 0)
        {
            problems.Error($"{path}.retries", "must not be negative");
        }
    }

    private static void ValidateAlert(CanaryAlert alert, string path, Problems problems)
    {
        if (string.IsNullOrWhiteSpace(alert.Name))
        {
            problems.Error($"{path}.name", "is required");
        }

        if (!AlertSeverities.Contains(alert.Severity ?? ""))
        {
            problems.Error($"{path}.severity", "must be info, warn or error (empty means info)");
        }

        if (string.IsNullOrWhiteSpace(alert.ProviderRef.Name))
        {
            problems.Error($"{path}.providerRef.name", "is required");
        }
    }

    private static void RejectUnless(string? value, string field, string message, Problems problems)
    {
        if (value is not null)
        {
            problems.Error(field, message);
        }
    }

    private static void RequireExactOrRegex(StringMatch match, string field, Problems problems)
    {
        if (match is { Exact: null, Regex: null, Prefix: null, Suffix: null })
        {
            problems.Error(field, "needs exact or regex");
        }
    }

    private static void WarnIgnoredMatchField(bool isSet, string field, Problems problems)
    {
        if (isSet)
        {
            problems.Warning(field, "is ignored by Gateway API matching");
        }
    }

    private static void RequireDuration(string? value, string field, Problems problems)
    {
        if (!string.IsNullOrEmpty(value) && !GoDuration.TryParse(value, out _))
        {
            problems.Error(field, $"\"{value}\" is not a duration (Go syntax such as 30s, 1m30s, 500ms)");
        }
    }

    private static void RequirePositiveDuration(string value, string field, Problems problems)
    {
        if (!GoDuration.TryParse(value, out var duration))
        {
            problems.Error(field, $"\"{value}\" is not a duration (Go syntax such as 30s, 1m30s, 500ms)");
        }
        else if (duration <= TimeSpan.Zero)
        {
            problems.Error(field, "must be a positive duration");
        }
    }

    private static void RequirePercentage(int? value, string field, Problems problems)
    {
        if (value is < 0 or > 100)
        {
            problems.Error(field, "must be between 0 and 100");
        }
    }

    private static string IgnoredBy(string router) => $"is {router} only and ignored by the Gateway API router";

    private sealed class Problems
    {
        public List<ValidationProblem> List { get; } = [];

        public void Error(string field, string message) => List.Add(new(field, message, ProblemSeverity.Error));

        public void Warning(string field, string message) => List.Add(new(field, message, ProblemSeverity.Warning));

        /// <summary>An error that supersedes the warnings already given for the same field.</summary>
        public void ErrorInstead(string field, string message)
        {
            List.RemoveAll(p => p.Field == field && p.Severity == ProblemSeverity.Warning);
            Error(field, message);
        }
    }
}
