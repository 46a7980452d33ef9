using Flagger.Core.Model;
using Flagger.Core.Routing;
using Flagger.Testing.Canaries;
using Xunit;

namespace Flagger.Core.Tests.Model;

public class CanaryValidatorTests
{
    private const string Url = "http://flagger-loadtester.test/";

    private static readonly Dictionary<string, (Func<CanaryBuilder, CanaryBuilder> Arrange, string Field, string Says)> s_errors = new()
    {
        ["target name missing"] = (b => b.WithTargetRef("Deployment", ""), "spec.targetRef.name", "required"),
        ["target kind missing"] = (b => b.WithTargetRef(null, "podinfo"), "spec.targetRef.kind", "required"),
        ["target DaemonSet"] = (b => b.WithTargetRef("DaemonSet", "podinfo"), "spec.targetRef.kind", "DaemonSet is not supported"),
        ["target Service"] = (b => b.WithTargetRef("Service", "podinfo", "v1"), "spec.targetRef.kind", "Service is not supported"),
        ["target apiVersion"] = (b => b.WithTargetRef("Deployment", "podinfo", "apps/v1beta1"), "spec.targetRef.apiVersion", "not supported"),
        ["autoscaler kind"] = (b => b.WithSpec(s => s.AutoscalerRef = new AutoscalerReference { Kind = "VerticalPodAutoscaler", Name = "p" }), "spec.autoscalerRef.kind", "HorizontalPodAutoscaler"),
        ["port missing"] = (b => b.WithPort(0), "spec.service.port", "required"),
        ["port negative"] = (b => b.WithPort(-1), "spec.service.port", "positive"),
        ["no gatewayRefs"] = (b => b.WithoutGatewayRefs(), "spec.service.gatewayRefs", "at least one"),
        ["empty gatewayRefs"] = (b => b.WithService(s => s.GatewayRefs = []), "spec.service.gatewayRefs", "at least one"),
        ["gatewayRef name"] = (b => b.WithGatewayRef(""), "spec.service.gatewayRefs[1].name", "required"),
        ["provider istio"] = (b => b.WithProvider("istio"), "spec.provider", "only Gateway API"),
        ["provider bare gatewayapi"] = (b => b.WithProvider("gatewayapi"), "spec.provider", "only Gateway API"),
        ["provider nginx"] = (b => b.WithProvider("nginx"), "spec.provider", "only Gateway API"),
        ["service timeout"] = (b => b.WithService(s => s.Timeout = "30"), "spec.service.timeout", "not a duration"),
        ["rewrite type"] = (b => b.WithService(s => s.Rewrite = new HttpRewrite { Uri = "/", Type = "Replace" }), "spec.service.rewrite.type", "ReplaceFullPath"),
        ["mirror backend port"] = (b => b.WithService(s => s.Mirror = [new MirrorTarget { BackendRef = new BackendReference { Name = "shadow" } }]), "spec.service.mirror[0].backendRef.port", "required"),
        ["analysis missing"] = (b => b.WithoutAnalysis(), "spec.analysis", "is required"),
        ["interval missing"] = (b => b.WithInterval(null), "spec.analysis.interval", "required"),
        ["interval no unit"] = (b => b.WithInterval("60"), "spec.analysis.interval", "not a duration"),
        ["interval zero"] = (b => b.WithInterval("0s"), "spec.analysis.interval", "positive"),
        ["interval deprecated path"] = (b => b.WithDeprecatedCanaryAnalysis().WithInterval("1x"), "spec.canaryAnalysis.interval", "not a duration"),
        ["threshold missing"] = (b => b.WithThreshold(null), "spec.analysis.threshold", "required"),
        ["threshold negative"] = (b => b.WithThreshold(-1), "spec.analysis.threshold", "negative"),
        ["no step, no iterations"] = (b => b.WithStepWeight(null), "spec.analysis", "needs stepWeight, stepWeights or iterations"),
        ["iterations with stepWeight"] = (b => b.WithIterations(5).WithStepWeight(10), "spec.analysis.iterations", "cannot be combined with stepWeight"),
        ["iterations with stepWeights"] = (b => b.WithIterations(5).WithAnalysis(a => a.StepWeights = [10, 20]), "spec.analysis.iterations", "cannot be combined with stepWeights"),
        ["stepWeight with stepWeights"] = (b => b.WithStepWeights(10, 20).WithStepWeight(10), "spec.analysis.stepWeights", "cannot be combined with stepWeight"),
        ["iterations zero"] = (b => b.WithIterations(0), "spec.analysis.iterations", "at least 1"),
        ["stepWeight zero"] = (b => b.WithStepWeight(0), "spec.analysis.stepWeight", "between 1 and 100"),
        ["stepWeight above 100"] = (b => b.WithStepWeight(101), "spec.analysis.stepWeight", "between 1 and 100"),
        ["maxWeight above 100"] = (b => b.WithMaxWeight(150), "spec.analysis.maxWeight", "between 1 and 100"),
        ["stepWeights empty"] = (b => b.WithStepWeights(), "spec.analysis.stepWeights", "must not be empty"),
        ["stepWeights zero"] = (b => b.WithStepWeights(0, 10), "spec.analysis.stepWeights[0]", "at least 1"),
        ["stepWeights not increasing"] = (b => b.WithStepWeights(10, 30, 20), "spec.analysis.stepWeights[2]", "greater than the previous step (30)"),
        ["stepWeights repeated"] = (b => b.WithStepWeights(10, 10), "spec.analysis.stepWeights[1]", "greater than the previous step"),
        ["stepWeightPromotion above 100"] = (b => b.WithStepWeightPromotion(101), "spec.analysis.stepWeightPromotion", "between 0 and 100"),
        ["primaryReadyThreshold"] = (b => b.WithAnalysis(a => a.PrimaryReadyThreshold = 101), "spec.analysis.primaryReadyThreshold", "between 0 and 100"),
        ["canaryReadyThreshold"] = (b => b.WithAnalysis(a => a.CanaryReadyThreshold = -5), "spec.analysis.canaryReadyThreshold", "between 0 and 100"),
        ["canary strategy with mirror"] = (b => b.WithMirror(), "spec.analysis.mirror", "Blue/Green"),
        ["header prefix"] = (b => b.WithIterations(10).WithMatch("x-canary", new StringMatch { Prefix = "insider" }), "spec.analysis.match[0].headers.x-canary.prefix", "not supported by Gateway API"),
        ["header suffix"] = (b => b.WithIterations(10).WithMatch("x-canary", new StringMatch { Suffix = "insider" }), "spec.analysis.match[0].headers.x-canary.suffix", "not supported by Gateway API"),
        ["second match header prefix"] = (b => b.WithIterations(10).WithMatch("a", new StringMatch { Exact = "1" }).WithMatch("b", new StringMatch { Prefix = "2" }), "spec.analysis.match[1].headers.b.prefix", "not supported"),
        ["header without value"] = (b => b.WithIterations(10).WithMatch("x-canary", new StringMatch()), "spec.analysis.match[0].headers.x-canary", "needs exact or regex"),
        ["query prefix"] = (b => b.WithIterations(10).WithMatch(new HttpMatchRequest { QueryParams = new Dictionary<string, StringMatch> { ["canary"] = new() { Prefix = "t" } } }), "spec.analysis.match[0].queryParams.canary.prefix", "not supported by Gateway API"),
        ["service match header prefix"] = (b => b.WithServiceMatch(new HttpMatchRequest { Headers = new Dictionary<string, StringMatch> { ["x-user"] = new() { Prefix = "a" } } }), "spec.service.match[0].headers.x-user.prefix", "not supported by Gateway API"),
        ["service match uri suffix"] = (b => b.WithServiceMatch(new HttpMatchRequest { Uri = new StringMatch { Suffix = ".json" } }), "spec.service.match[0].uri.suffix", "not supported by Gateway API"),
        ["service match method regex"] = (b => b.WithServiceMatch(new HttpMatchRequest { Method = new StringMatch { Regex = "GET|POST" } }), "spec.service.match[0].method", "exact"),
        ["affinity cookie missing"] = (b => b.WithSessionAffinity(""), "spec.analysis.sessionAffinity.cookieName", "required"),
        ["affinity cookies equal"] = (b => b.WithSessionAffinity("flagger", "flagger"), "spec.analysis.sessionAffinity.primaryCookieName", "must differ from cookieName"),
        ["affinity sameSite"] = (b => b.WithSessionAffinity("c").WithAnalysis(a => a.SessionAffinity!.SameSite = "lax"), "spec.analysis.sessionAffinity.sameSite", "Strict, Lax or None"),
        ["metric name"] = (b => b.WithMetric("", max: 1, templateRef: "t"), "spec.analysis.metrics[0].name", "required"),
        ["metric interval"] = (b => b.WithMetric(CanaryMetric.RequestSuccessRate, min: 99).WithMetric(CanaryMetric.RequestDuration, max: 500, interval: "1 minute"), "spec.analysis.metrics[1].interval", "not a duration"),
        ["template metric without threshold"] = (b => b.WithMetric(CanaryMetric.RequestSuccessRate, min: 99).WithMetric("error-rate", templateRef: "error-rate"), "spec.analysis.metrics[1].thresholdRange", "is required"),
        ["query metric without threshold"] = (b => b.WithMetric(new CanaryMetric { Name = "errors", Query = "sum(x)" }), "spec.analysis.metrics[0].thresholdRange", "is required"),
        ["empty thresholdRange"] = (b => b.WithMetric(new CanaryMetric { Name = "errors", TemplateRef = new() { Name = "e" }, ThresholdRange = new() }), "spec.analysis.metrics[0].thresholdRange", "needs min, max or both"),
        ["inverted thresholdRange"] = (b => b.WithMetric("errors", max: 1, min: 5, templateRef: "e"), "spec.analysis.metrics[0].thresholdRange", "greater than max"),
        ["metric without template or query"] = (b => b.WithMetric("error-rate", max: 1), "spec.analysis.metrics[0].templateRef", "no usable metrics template and query"),
        ["templateRef name"] = (b => b.WithMetric("error-rate", max: 1, templateRef: ""), "spec.analysis.metrics[0].templateRef.name", "required"),
        ["onNoData"] = (b => b.WithMetric("error-rate", max: 1, templateRef: "e", onNoData: "ignore"), "spec.analysis.metrics[0].onNoData", "fail, pass or skip"),
        ["webhook name"] = (b => b.WithWebhook(WebhookType.Rollout, "", Url), "spec.analysis.webhooks[0].name", "required"),
        ["webhook url missing"] = (b => b.WithWebhook(WebhookType.Rollout, "load", ""), "spec.analysis.webhooks[0].url", "required"),
        ["webhook url relative"] = (b => b.WithWebhook(WebhookType.Rollout, "load", "/gate/check"), "spec.analysis.webhooks[0].url", "absolute http or https"),
        ["webhook url scheme"] = (b => b.WithWebhook(WebhookType.Rollout, "load", "ftp://tester/"), "spec.analysis.webhooks[0].url", "absolute http or https"),
        ["webhook url no scheme"] = (b => b.WithWebhook(WebhookType.Rollout, "load", "flagger-loadtester.test"), "spec.analysis.webhooks[0].url", "absolute http or https"),
        ["webhook type"] = (b => b.WithWebhook(WebhookType.Rollout, "a", Url).WithWebhook("pre-promotion", "b", Url), "spec.analysis.webhooks[1].type", "\"pre-promotion\" is not a webhook type"),
        ["webhook type case"] = (b => b.WithWebhook("Rollout", "a", Url), "spec.analysis.webhooks[0].type", "not a webhook type"),
        ["webhook timeout"] = (b => b.WithWebhook(WebhookType.PreRollout, "a", Url, timeout: "15"), "spec.analysis.webhooks[0].timeout", "not a duration"),
        ["webhook retries"] = (b => b.WithWebhook(new CanaryWebhook { Name = "a", Url = Url, Retries = -1 }), "spec.analysis.webhooks[0].retries", "negative"),
        ["alert severity"] = (b => b.WithAlert("a", "critical", "slack"), "spec.analysis.alerts[0].severity", "info, warn or error"),
        ["alert provider"] = (b => b.WithAlert("a", "info", ""), "spec.analysis.alerts[0].providerRef.name", "required"),
        ["alert name"] = (b => b.WithAlert("", "info", "slack"), "spec.analysis.alerts[0].name", "required"),
        ["mirrorWeight above 100"] = (b => b.WithIterations(10).WithMirror().WithAnalysis(a => a.MirrorWeight = 150), "spec.analysis.mirrorWeight", "between 0 and 100"),
        ["mirrorWeight negative"] = (b => b.WithIterations(10).WithMirror().WithAnalysis(a => a.MirrorWeight = -1), "spec.analysis.mirrorWeight", "between 0 and 100"),
        ["route kind unknown"] = (b => b.WithAnnotation(RouteKind.Annotation, "TCPRoute"), RouteKindField, "\"TCPRoute\" is not a route kind; use HTTPRoute or GRPCRoute"),
        ["route kind lower case"] = (b => b.WithAnnotation(RouteKind.Annotation, "grpcroute"), RouteKindField, "is not a route kind"),
        ["grpc v1beta1"] = (b => Grpc(b).WithProvider("gatewayapi:v1beta1"), RouteKindField, "needs provider gatewayapi:v1"),
        ["grpc v1alpha2"] = (b => Grpc(b).WithProvider("gatewayapi:v1alpha2"), RouteKindField, "needs provider gatewayapi:v1"),
        ["grpc uri regex"] = (b => Grpc(b).WithServiceMatch(new HttpMatchRequest { Uri = new StringMatch { Regex = "/podinfo.*" } }), "spec.service.match[0].uri", "a GRPCRoute matches gRPC methods"),
        ["grpc uri prefix inside a name"] = (b => Grpc(b).WithServiceMatch(new HttpMatchRequest { Uri = new StringMatch { Prefix = "/podinfo.v1.Echo/Sa" } }), "spec.service.match[0].uri", "prefix /package.Service/"),
        ["grpc uri exact without method"] = (b => Grpc(b).WithServiceMatch(new HttpMatchRequest { Uri = new StringMatch { Exact = "/podinfo.v1.Echo" } }), "spec.service.match[0].uri", "exact /package.Service/Method"),
        ["grpc uri suffix"] = (b => Grpc(b).WithServiceMatch(new HttpMatchRequest { Uri = new StringMatch { Suffix = "/Say" } }), "spec.service.match[0].uri", "a GRPCRoute matches gRPC methods"),
        ["grpc service method"] = (b => Grpc(b).WithServiceMatch(new HttpMatchRequest { Method = new StringMatch { Exact = "POST" } }), "spec.service.match[0].method", "no HTTP method match"),
        ["grpc service queryParams"] = (b => Grpc(b).WithServiceMatch(new HttpMatchRequest { QueryParams = new Dictionary<string, StringMatch> { ["v"] = new() { Exact = "2" } } }), "spec.service.match[0].queryParams", "no query parameter match"),
        ["grpc analysis queryParams"] = (b => Grpc(b).WithIterations(5).WithMatch(new HttpMatchRequest { QueryParams = new Dictionary<string, StringMatch> { ["canary"] = new() { Exact = "1" } } }), "spec.analysis.match[0].queryParams", "no query parameter match"),
        ["grpc analysis sourceLabels"] = (b => Grpc(b).WithIterations(5).WithMatch(new HttpMatchRequest { SourceLabels = new Dictionary<string, string> { ["app"] = "a" } }), "spec.analysis.match[0].sourceLabels", "cannot match the caller's labels"),
        ["grpc analysis match without header"] = (b => Grpc(b).WithIterations(5).WithMatch(new HttpMatchRequest()), "spec.analysis.match[0].headers", "needs at least one header"),
        ["grpc rewrite"] = (b => Grpc(b).WithService(s => s.Rewrite = new HttpRewrite { Uri = "/" }), "spec.service.rewrite", "no URLRewrite filter"),
        ["grpc corsPolicy"] = (b => Grpc(b).WithService(s => s.CorsPolicy = new CorsPolicy { AllowOrigin = ["*"] }), "spec.service.corsPolicy", "no CORS filter"),
        ["grpc timeout"] = (b => Grpc(b).WithService(s => s.Timeout = "10s"), "spec.service.timeout", "no timeouts"),
        ["grpc backendTimeout"] = (b => Grpc(b).WithService(s => s.BackendTimeout = "5s"), "spec.service.backendTimeout", "no timeouts"),
        ["grpc sessionAffinity"] = (b => Grpc(b).WithSessionAffinity("flagger-cookie"), "spec.analysis.sessionAffinity", "gRPC clients do not keep"),
        ["routeRef APISIX without gatewayRefs"] = (b => b.WithoutGatewayRefs().WithSpec(s => s.RouteRef = new LocalObjectReference { ApiVersion = "apisix.apache.org/v2", Kind = "ApisixRoute", Name = "podinfo" }), "spec.routeRef.kind", "ApisixRoute is not supported"),
        ["routeRef kind missing"] = (b => b.WithoutGatewayRefs().WithSpec(s => s.RouteRef = new LocalObjectReference { Name = "podinfo" }), "spec.routeRef.kind", "(empty) is not supported"),
        ["routeRef with gatewayRefs"] = (b => b.WithSpec(s => s.RouteRef = UserRoute("HTTPRoute")), "spec.routeRef", "cannot be used with spec.service.gatewayRefs"),
        ["routeRef name"] = (b => b.WithoutGatewayRefs().WithSpec(s => s.RouteRef = new LocalObjectReference { Kind = "HTTPRoute" }), "spec.routeRef.name", "required"),
        ["routeRef apiVersion"] = (b => b.WithoutGatewayRefs().WithSpec(s => s.RouteRef = new LocalObjectReference { ApiVersion = "networking.istio.io/v1", Kind = "HTTPRoute", Name = "shop" }), "spec.routeRef.apiVersion", "must be gateway.networking.k8s.io"),
        ["routeRef session affinity"] = (b => b.WithoutGatewayRefs().WithSpec(s => s.RouteRef = UserRoute("HTTPRoute")).WithSessionAffinity("c"), "spec.analysis.sessionAffinity", "not supported with spec.routeRef"),
        ["GRPCRoute query match"] = (b => b.WithoutGatewayRefs().WithSpec(s => s.RouteRef = UserRoute("GRPCRoute")).WithIterations(5).WithMatch(new HttpMatchRequest { QueryParams = new Dictionary<string, StringMatch> { ["canary"] = new() { Exact = "1" } } }), "spec.analysis.match[0].queryParams", "GRPCRoute cannot match query parameters"),
    };

    private const string RouteKindField = "metadata.annotations[flagger-functions.io/route-kind]";

    private static CanaryBuilder Grpc(CanaryBuilder builder) => builder.WithAnnotation(RouteKind.Annotation, "GRPCRoute");

    private static readonly Dictionary<string, (Func<CanaryBuilder, CanaryBuilder> Arrange, string Field, string Says)> s_warnings = new()
    {
        ["service.gateways"] = (b => b.WithService(s => s.Gateways = ["public-gateway"]), "spec.service.gateways", "Istio only"),
        ["stepWeights above 100"] = (b => b.WithStepWeights(50, 120), "spec.analysis.stepWeights[1]", "stops at 100"),
        ["service.delegation"] = (b => b.WithService(s => s.Delegation = true), "spec.service.delegation", "Istio only"),
        ["service.trafficPolicy"] = (b => b.WithService(s => s.TrafficPolicy = new Dictionary<string, object>()), "spec.service.trafficPolicy", "Istio only"),
        ["service.retries"] = (b => b.WithService(s => s.Retries = new HttpRetry { Attempts = 3 }), "spec.service.retries", "Istio only"),
        ["service.meshName"] = (b => b.WithService(s => s.MeshName = "global"), "spec.service.meshName", "App Mesh only"),
        ["service.backends"] = (b => b.WithService(s => s.Backends = ["backend.test"]), "spec.service.backends", "App Mesh only"),
        ["ingressRef"] = (b => b.WithSpec(s => s.IngressRef = new LocalObjectReference { Name = "podinfo" }), "spec.ingressRef", "NGINX only"),
        ["routeRef"] = (b => b.WithSpec(s => s.RouteRef = new LocalObjectReference { Name = "podinfo" }), "spec.routeRef", "APISIX only"),
        ["routeRef ignores hosts"] = (b => b.WithoutGatewayRefs().WithSpec(s => s.RouteRef = UserRoute("HTTPRoute")).WithService(s => s.Hosts = ["shop.example.com"]), "spec.service.hosts", "ignored with spec.routeRef"),
        ["routeRef ignores timeout"] = (b => b.WithoutGatewayRefs().WithSpec(s => s.RouteRef = UserRoute("HTTPRoute")).WithService(s => s.Timeout = "10s"), "spec.service.timeout", "ignored with spec.routeRef"),
        ["upstreamRef"] = (b => b.WithSpec(s => s.UpstreamRef = new CrossNamespaceObjectReference { Name = "podinfo" }), "spec.upstreamRef", "Gloo only"),
        ["mirrorWeight v1beta1"] = (b => b.WithProvider("gatewayapi:v1beta1").WithIterations(10).WithMirror().WithAnalysis(a => a.MirrorWeight = 50), "spec.analysis.mirrorWeight", "is ignored with gatewayapi:v1beta1 (no mirror percent); the whole request stream is mirrored"),
        ["mirrorWeight v1alpha2"] = (b => b.WithProvider("gatewayapi:v1alpha2").WithIterations(10).WithMirror().WithAnalysis(a => a.MirrorWeight = 50), "spec.analysis.mirrorWeight", "is ignored with gatewayapi:v1alpha2"),
        ["mirrorWeight without mirror"] = (b => b.WithIterations(10).WithAnalysis(a => a.MirrorWeight = 50), "spec.analysis.mirrorWeight", "no effect without mirror: true"),
        ["mirrorWeight zero"] = (b => b.WithIterations(10).WithMirror().WithAnalysis(a => a.MirrorWeight = 0), "spec.analysis.mirrorWeight", "the whole request stream is mirrored"),
        ["corsPolicy.allowOrigins"] = (b => b.WithService(s => s.CorsPolicy = new CorsPolicy { AllowOrigins = [new StringMatch { Regex = ".*" }] }), "spec.service.corsPolicy.allowOrigins", "use allowOrigin"),
        ["match authority"] = (b => b.WithServiceMatch(new HttpMatchRequest { Authority = new StringMatch { Exact = "a" } }), "spec.service.match[0].authority", "ignored by Gateway API"),
        ["match scheme"] = (b => b.WithServiceMatch(new HttpMatchRequest { Scheme = new StringMatch { Exact = "https" } }), "spec.service.match[0].scheme", "ignored by Gateway API"),
        ["match sourceLabels"] = (b => b.WithIterations(5).WithMatch(new HttpMatchRequest { SourceLabels = new Dictionary<string, string> { ["app"] = "a" } }), "spec.analysis.match[0].sourceLabels", "ignored by Gateway API"),
        ["match withoutHeaders"] = (b => b.WithIterations(5).WithMatch(new HttpMatchRequest { WithoutHeaders = new Dictionary<string, StringMatch> { ["x"] = new() { Exact = "1" } } }), "spec.analysis.match[0].withoutHeaders", "ignored by Gateway API"),
        ["match ignoreUriCase"] = (b => b.WithServiceMatch(new HttpMatchRequest { IgnoreUriCase = true }), "spec.service.match[0].ignoreUriCase", "ignored by Gateway API"),
        ["analysis match uri"] = (b => b.WithIterations(5).WithMatch(new HttpMatchRequest { Uri = new StringMatch { Prefix = "/api" } }), "spec.analysis.match[0].uri", "path comes from service.match"),
        ["canaryAnalysis"] = (b => b.WithDeprecatedCanaryAnalysis(), "spec.canaryAnalysis", "deprecated; rename it to analysis"),
        ["canaryAnalysis beside analysis"] = (b => b.WithSpec(s => s.CanaryAnalysis = new CanaryAnalysis()), "spec.canaryAnalysis", "ignored because analysis is set"),
        ["metric threshold"] = (b => b.WithMetric(new CanaryMetric { Name = CanaryMetric.RequestSuccessRate, Threshold = 99 }), "spec.analysis.metrics[0].threshold", "use thresholdRange (min: 99)"),
        ["template metric threshold"] = (b => b.WithMetric(new CanaryMetric { Name = "latency", TemplateRef = new() { Name = "latency" }, Threshold = 500 }), "spec.analysis.metrics[0].threshold", "use thresholdRange (max: 500)"),
        ["inline query"] = (b => b.WithMetric(new CanaryMetric { Name = "errors", Query = "sum(x)", ThresholdRange = new() { Max = 1 } }), "spec.analysis.metrics[0].query", "deprecated"),
        ["v1beta1 timeout"] = (b => b.WithProvider("gatewayapi:v1beta1").WithService(s => s.Timeout = "10s"), "spec.service.timeout", "gatewayapi:v1beta1"),
        ["v1beta1 primary cookie"] = (b => b.WithProvider("gatewayapi:v1beta1").WithSessionAffinity("c", "p"), "spec.analysis.sessionAffinity.primaryCookieName", "gatewayapi:v1beta1"),
    };

    public static TheoryData<string> ErrorCases => new(s_errors.Keys);

    private static LocalObjectReference UserRoute(string kind) => new() { ApiVersion = "gateway.networking.k8s.io/v1", Kind = kind, Name = "shop" };

    public static TheoryData<string> WarningCases => new(s_warnings.Keys);

    [Fact]
    public void Validate_DefaultBuilder_IsValidWithoutProblems()
    {
        var validation = CanaryValidator.Validate(new CanaryBuilder().Build());

        Assert.True(validation.IsValid);
        Assert.Empty(validation.All);
        Assert.Equal("", validation.Summary());
    }

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void Validate_InvalidField_ReportsErrorAtFieldPath(string name)
    {
        var (arrange, field, says) = s_errors[name];

        var validation = CanaryValidator.Validate(arrange(new CanaryBuilder()).Build());

        Assert.False(validation.IsValid);
        var error = Assert.Single(validation.Errors, e => e.Field == field);
        Assert.Contains(says, error.Message, StringComparison.Ordinal);
        Assert.Equal(ProblemSeverity.Error, error.Severity);
    }

    [Theory]
    [MemberData(nameof(WarningCases))]
    public void Validate_IgnoredOrDeprecatedField_WarnsAndStaysValid(string name)
    {
        var (arrange, field, says) = s_warnings[name];

        var validation = CanaryValidator.Validate(arrange(new CanaryBuilder()).Build());

        Assert.True(validation.IsValid, validation.Summary());
        var warning = Assert.Single(validation.Warnings, w => w.Field == field);
        Assert.Contains(says, warning.Message, StringComparison.Ordinal);
        Assert.Equal(ProblemSeverity.Warning, warning.Severity);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("gatewayapi:v1")]
    public void Validate_MirrorWeightOnV1_IsThePercentWithoutProblems(string? provider)
    {
        var canary = new CanaryBuilder().WithProvider(provider).WithIterations(10).WithMirror().WithAnalysis(a => a.MirrorWeight = 50).Build();

        Assert.Empty(CanaryValidator.Validate(canary).All);
    }

    public static TheoryData<string> ValidRouteKindCases => new(s_validRouteKinds.Keys);

    private static readonly Dictionary<string, Func<CanaryBuilder, CanaryBuilder>> s_validRouteKinds = new()
    {
        ["explicit HTTPRoute"] = b => b.WithAnnotation(RouteKind.Annotation, "HTTPRoute"),
        ["GRPCRoute canary"] = Grpc,
        ["GRPCRoute method match"] = b => Grpc(b).WithServiceMatch(new HttpMatchRequest
        {
            Uri = new StringMatch { Exact = "/podinfo.v1.Echo/Say" },
            Headers = new Dictionary<string, StringMatch> { ["x-tenant"] = new() { Regex = "^a" } },
        }),
        ["GRPCRoute service match"] = b => Grpc(b).WithServiceMatch(new HttpMatchRequest { Uri = new StringMatch { Prefix = "/grpc.health.v1.Health/" } }),
        ["GRPCRoute every method"] = b => Grpc(b).WithServiceMatch(new HttpMatchRequest { Uri = new StringMatch { Prefix = "/" } }),
        ["GRPCRoute A/B"] = b => Grpc(b).WithIterations(5).WithMatch("x-canary", new StringMatch { Exact = "insider" }),
        ["GRPCRoute blue/green mirror"] = b => Grpc(b).WithIterations(5).WithMirror().WithAnalysis(a => a.MirrorWeight = 10),
        ["GRPCRoute headers and mirror"] = b => Grpc(b).WithService(s =>
        {
            s.Headers = new HeaderOperations { Request = new HeaderOperation { Set = new Dictionary<string, string> { ["x-a"] = "1" } } };
            s.Mirror = [new MirrorTarget { BackendRef = new BackendReference { Name = "shadow", Port = 9898 } }];
        }),
    };

    [Theory]
    [MemberData(nameof(ValidRouteKindCases))]
    public void Validate_RouteKindWithWhatItCanExpress_IsValidWithoutProblems(string name)
    {
        var validation = CanaryValidator.Validate(s_validRouteKinds[name](new CanaryBuilder()).Build());

        Assert.Empty(validation.All);
    }

    [Fact]
    public void Validate_GrpcRouteSourceLabels_TheErrorReplacesTheIgnoredWarning()
    {
        var canary = Grpc(new CanaryBuilder()).WithIterations(5)
            .WithMatch(new HttpMatchRequest { SourceLabels = new Dictionary<string, string> { ["app"] = "a" }, Headers = new Dictionary<string, StringMatch> { ["x"] = new() { Exact = "1" } } })
            .Build();

        var problems = CanaryValidator.Validate(canary).All.Where(p => p.Field == "spec.analysis.match[0].sourceLabels").ToList();

        Assert.Equal(ProblemSeverity.Error, Assert.Single(problems).Severity);
    }

    public static TheoryData<string?> SupportedProviders => new(null, "", "gatewayapi:v1", "gatewayapi:v1beta1", "gatewayapi:v1alpha2");

    [Theory]
    [MemberData(nameof(SupportedProviders))]
    public void Validate_GatewayApiProvider_IsValid(string? provider)
    {
        Assert.Empty(CanaryValidator.Validate(new CanaryBuilder().WithProvider(provider).Build()).All);
    }

    [Theory]
    [InlineData("HTTPRoute", "gatewayapi:v1")]
    [InlineData("HTTPRoute", "gatewayapi:v1beta1")]
    [InlineData("GRPCRoute", "gatewayapi:v1")]
    public void Validate_RouteRefToAUsersRouteWithoutGatewayRefs_IsValidWithoutProblems(string kind, string provider)
    {
        var canary = new CanaryBuilder().WithProvider(provider).WithoutGatewayRefs().WithService(s => s.Hosts = null)
            .WithSpec(s => s.RouteRef = UserRoute(kind)).Build();

        Assert.Empty(CanaryValidator.Validate(canary).All);
    }

    public static TheoryData<string?> WebhookTypes => new(WebhookType.All.Append(null).Append(""));

    [Theory]
    [MemberData(nameof(WebhookTypes))]
    public void Validate_KnownWebhookType_IsValid(string? type)
    {
        var canary = new CanaryBuilder().WithWebhook(type, "hook", "https://hooks.example.com/x?token=secret", timeout: "1m30s").Build();

        Assert.Empty(CanaryValidator.Validate(canary).All);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("info")]
    [InlineData("warn")]
    [InlineData("error")]
    public void Validate_KnownAlertSeverity_IsValid(string? severity)
    {
        Assert.Empty(CanaryValidator.Validate(new CanaryBuilder().WithAlert("on-call", severity, "slack").Build()).All);
    }

    [Theory]
    [InlineData("fail")]
    [InlineData("pass")]
    [InlineData("skip")]
    [InlineData("Skip")]
    public void Validate_KnownOnNoData_IsValid(string onNoData)
    {
        var canary = new CanaryBuilder().WithMetric("error-rate", max: 1, templateRef: "error-rate", onNoData: onNoData).Build();

        Assert.Empty(CanaryValidator.Validate(canary).All);
    }

    [Fact]
    public void Validate_StrategiesFromBuilder_AreValid()
    {
        var builders = new[]
        {
            new CanaryBuilder().WithStepWeights(1, 5, 10, 50),
            new CanaryBuilder().WithIterations(10).WithMirror(),
            new CanaryBuilder().WithIterations(10).WithMatch("x-canary", new StringMatch { Exact = "insider" })
                .WithMatch("cookie", new StringMatch { Regex = "^(.*?;)?(canary=always)(;.*)?$" }),
            new CanaryBuilder().WithSessionAffinity("flagger-cookie", "flagger-primary-cookie", 3600),
            new CanaryBuilder().WithStepWeightPromotion(20).WithSkipAnalysis(),
            new CanaryBuilder().WithMetric(CanaryMetric.RequestSuccessRate, min: 99).WithMetric(CanaryMetric.RequestDuration, max: 500, interval: "30s"),
        };

        Assert.All(builders, b => Assert.Empty(CanaryValidator.Validate(b.Build()).All));
    }

    [Fact]
    public void Validate_BuiltinMetricWithoutThreshold_IsValid()
    {
        // Builtins have Flagger's own comparison; only template and query metrics need a range (DESIGN §3).
        Assert.True(CanaryValidator.Validate(new CanaryBuilder().WithMetric(CanaryMetric.RequestSuccessRate).Build()).IsValid);
    }

    [Fact]
    public void Validate_SeveralProblems_ReportsEveryOneErrorsFirst()
    {
        var canary = new CanaryBuilder()
            .WithProvider("istio")
            .WithService(s => s.MeshName = "global")
            .WithPort(0)
            .WithMetric("error-rate", templateRef: "error-rate")
            .WithWebhook("pre", "smoke", "not a url")
            .Build();

        var validation = CanaryValidator.Validate(canary);

        Assert.Equal(
            ["spec.provider", "spec.service.port", "spec.analysis.metrics[0].thresholdRange", "spec.analysis.webhooks[0].url", "spec.analysis.webhooks[0].type"],
            validation.Errors.Select(e => e.Field));
        Assert.Equal(["spec.service.meshName"], validation.Warnings.Select(w => w.Field));
        Assert.Equal([.. validation.Errors, .. validation.Warnings], validation.All);
    }

    [Fact]
    public void Summary_Problems_IsOneLineOfFieldAndMessage()
    {
        var validation = CanaryValidator.Validate(new CanaryBuilder().WithPort(0).WithDeprecatedCanaryAnalysis().Build());

        Assert.Equal(
            "spec.service.port: is required and must be a positive port number; spec.canaryAnalysis: is deprecated; rename it to analysis",
            validation.Summary());
        Assert.DoesNotContain('\n', validation.Summary());
    }

    [Fact]
    public void Validate_WebhookUrlWithToken_MessageDoesNotRepeatUrl()
    {
        var validation = CanaryValidator.Validate(new CanaryBuilder().WithWebhook(WebhookType.Event, "e", "ftp://hooks/?token=s3cret").Build());

        Assert.DoesNotContain("s3cret", validation.Summary(), StringComparison.Ordinal);
        Assert.False(validation.IsValid);
    }

    [Fact]
    public void Build_SameBuilderTwice_ReturnsIndependentCanaries()
    {
        var builder = new CanaryBuilder().WithWebhook(WebhookType.Rollout, "load", Url);

        var first = builder.Build();
        first.Spec.Analysis!.Webhooks!.Clear();

        Assert.Single(builder.Build().Spec.Analysis!.Webhooks!);
    }

    [Fact]
    public void Build_Default_IsThePodinfoCanary()
    {
        var canary = new CanaryBuilder().Build();

        Assert.Equal("test/podinfo", canary.Key);
        Assert.Equal("gatewayapi:v1", canary.Spec.Provider);
        Assert.Equal(9898, canary.Spec.Service.Port);
        Assert.Single(canary.Spec.Service.GatewayRefs!);
        Assert.Equal(TimeSpan.FromMinutes(1), canary.Analysis.GetInterval());
        Assert.Equal((5, 10, 50), (canary.Analysis.Threshold, canary.Analysis.StepWeight, canary.Analysis.MaxWeight));
        Assert.Equal(DeploymentStrategy.Canary, canary.Analysis.Strategy);
    }

    [Fact]
    public void Build_WithStatus_SetsStatus()
    {
        var canary = new CanaryBuilder().WithStatus(new CanaryStatus { Phase = CanaryPhase.Progressing, CanaryWeight = 20 }).Build();

        Assert.Equal((CanaryPhase.Progressing, 20), (canary.Status!.Phase, canary.Status.CanaryWeight));
    }
}
