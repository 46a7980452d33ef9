using Flagger.Core.Model;
using k8s.Models;

namespace Flagger.Testing.Canaries;

/// <summary>
/// Test data for a Canary. The default is a valid podinfo canary in namespace <c>test</c>: provider
/// gatewayapi:v1, port 9898, one gatewayRef, interval 1m, threshold 5, stepWeight 10, maxWeight 50.
/// Every <c>With…</c> records a change; <see cref="Build"/> applies them to a fresh default, so one
/// builder can build many independent canaries.
/// </summary>
public sealed class CanaryBuilder
{
    private readonly List<Action<Canary>> _changes = [];

    public CanaryBuilder WithName(string name) => With(c =>
    {
        c.Metadata.Name = name;
        c.Spec.TargetRef.Name = name;
    });

    public CanaryBuilder WithAnnotation(string name, string value) => With(c => (c.Metadata.Annotations ??= new Dictionary<string, string>())[name] = value);

    public CanaryBuilder WithNamespace(string ns) => With(c => c.Metadata.NamespaceProperty = ns);

    public CanaryBuilder WithProvider(string? provider) => With(c => c.Spec.Provider = provider);

    public CanaryBuilder WithTargetRef(string? kind, string name, string? apiVersion = "apps/v1") => With(c =>
        c.Spec.TargetRef = new LocalObjectReference { ApiVersion = apiVersion, Kind = kind, Name = name });

    public CanaryBuilder WithPort(int port) => With(c => c.Spec.Service.Port = port);

    public CanaryBuilder WithGatewayRef(string name, string? ns = "gateway-system") => With(c =>
        (c.Spec.Service.GatewayRefs ??= []).Add(new GatewayReference { Name = name, Namespace = ns }));

    public CanaryBuilder WithoutGatewayRefs() => With(c => c.Spec.Service.GatewayRefs = null);

    public CanaryBuilder WithServiceMatch(HttpMatchRequest match) => With(c => (c.Spec.Service.Match ??= []).Add(match));

    public CanaryBuilder WithService(Action<CanaryService> change) => With(c => change(c.Spec.Service));

    public CanaryBuilder WithSpec(Action<CanarySpec> change) => With(c => change(c.Spec));

    /// <summary>Any other analysis change; applied to <c>analysis</c> (or <c>canaryAnalysis</c> if that is the one in use).</summary>
    public CanaryBuilder WithAnalysis(Action<CanaryAnalysis> change) => With(c => change(AnalysisOf(c)));

    public CanaryBuilder WithInterval(string? interval) => WithAnalysis(a => a.Interval = interval);

    public CanaryBuilder WithThreshold(int? threshold) => WithAnalysis(a => a.Threshold = threshold);

    /// <summary>Sets <c>stepWeight</c> only; it does not clear iterations or stepWeights.</summary>
    public CanaryBuilder WithStepWeight(int? stepWeight) => WithAnalysis(a => a.StepWeight = stepWeight);

    public CanaryBuilder WithMaxWeight(int? maxWeight) => WithAnalysis(a => a.MaxWeight = maxWeight);

    /// <summary>Switches to a weight ladder: sets <c>stepWeights</c> and clears <c>stepWeight</c> and <c>maxWeight</c>.</summary>
    public CanaryBuilder WithStepWeights(params int[] stepWeights) => WithAnalysis(a =>
    {
        a.StepWeights = [.. stepWeights];
        a.StepWeight = null;
        a.MaxWeight = null;
    });

    public CanaryBuilder WithStepWeightPromotion(int? stepWeightPromotion) => WithAnalysis(a => a.StepWeightPromotion = stepWeightPromotion);

    /// <summary>Switches to Blue/Green (or A/B with a match): sets <c>iterations</c> and clears the step weights.</summary>
    public CanaryBuilder WithIterations(int iterations) => WithAnalysis(a =>
    {
        a.Iterations = iterations;
        a.StepWeight = null;
        a.StepWeights = null;
        a.MaxWeight = null;
    });

    public CanaryBuilder WithMatch(string header, StringMatch match) =>
        WithMatch(new HttpMatchRequest { Headers = new Dictionary<string, StringMatch> { [header] = match } });

    public CanaryBuilder WithMatch(HttpMatchRequest match) => WithAnalysis(a => (a.Match ??= []).Add(match));

    public CanaryBuilder WithMirror(bool mirror = true) => WithAnalysis(a => a.Mirror = mirror);

    public CanaryBuilder WithSessionAffinity(string cookieName, string? primaryCookieName = null, int? maxAge = null) =>
        WithAnalysis(a => a.SessionAffinity = new SessionAffinity
        {
            CookieName = cookieName,
            PrimaryCookieName = primaryCookieName,
            MaxAge = maxAge,
        });

    public CanaryBuilder WithSkipAnalysis(bool skipAnalysis = true) => With(c => c.Spec.SkipAnalysis = skipAnalysis);

    public CanaryBuilder WithSuspend(bool suspend = true) => With(c => c.Spec.Suspend = suspend);

    public CanaryBuilder WithRevertOnDeletion(bool revert = true) => With(c => c.Spec.RevertOnDeletion = revert);

    public CanaryBuilder WithProgressDeadlineSeconds(int? seconds) => With(c => c.Spec.ProgressDeadlineSeconds = seconds);

    /// <summary>
    /// A metric. With <paramref name="templateRef"/> it reads a MetricTemplate (in <paramref name="templateNamespace"/>
    /// or the canary's namespace); without, it is one of the builtins.
    /// </summary>
    public CanaryBuilder WithMetric(
        string name,
        double? max = null,
        double? min = null,
        string? templateRef = null,
        string? interval = "1m",
        string? templateNamespace = null,
        string? onNoData = null) =>
        WithMetric(new CanaryMetric
        {
            Name = name,
            Interval = interval,
            ThresholdRange = max is null && min is null ? null : new ThresholdRange { Min = min, Max = max },
            TemplateRef = templateRef is null ? null : new CrossNamespaceObjectReference { Name = templateRef, Namespace = templateNamespace },
            OnNoData = onNoData,
        });

    public CanaryBuilder WithMetric(CanaryMetric metric) => WithAnalysis(a => (a.Metrics ??= []).Add(metric));

    public CanaryBuilder WithWebhook(string? type, string name, string url, IDictionary<string, string>? metadata = null, string? timeout = null) =>
        WithWebhook(new CanaryWebhook { Type = type, Name = name, Url = url, Metadata = metadata, Timeout = timeout });

    public CanaryBuilder WithWebhook(CanaryWebhook webhook) => WithAnalysis(a => (a.Webhooks ??= []).Add(webhook));

    public CanaryBuilder WithAlert(string name, string? severity, string providerName, string? providerNamespace = null) =>
        WithAnalysis(a => (a.Alerts ??= []).Add(new CanaryAlert
        {
            Name = name,
            Severity = severity,
            ProviderRef = new CrossNamespaceObjectReference { Name = providerName, Namespace = providerNamespace },
        }));

    /// <summary>Moves the analysis to the deprecated <c>canaryAnalysis</c> field.</summary>
    public CanaryBuilder WithDeprecatedCanaryAnalysis() => With(c =>
    {
        c.Spec.CanaryAnalysis = c.Spec.Analysis;
        c.Spec.Analysis = null;
    });

    public CanaryBuilder WithoutAnalysis() => With(c =>
    {
        c.Spec.Analysis = null;
        c.Spec.CanaryAnalysis = null;
    });

    public CanaryBuilder WithStatus(CanaryStatus? status) => With(c => c.Status = status);

    public CanaryBuilder With(Action<Canary> change)
    {
        _changes.Add(change);
        return this;
    }

    public Canary Build()
    {
        var canary = Default();
        foreach (var change in _changes)
        {
            change(canary);
        }

        return canary;
    }

    private static CanaryAnalysis AnalysisOf(Canary canary) =>
        canary.Spec.Analysis ?? canary.Spec.CanaryAnalysis ?? (canary.Spec.Analysis = new CanaryAnalysis());

    private static Canary Default() => new()
    {
        Metadata = new V1ObjectMeta { Name = "podinfo", NamespaceProperty = "test" },
        Spec = new CanarySpec
        {
            Provider = "gatewayapi:v1",
            TargetRef = new LocalObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "podinfo" },
            Service = new CanaryService
            {
                Port = 9898,
                GatewayRefs = [new GatewayReference { Name = "public", Namespace = "gateway-system" }],
            },
            Analysis = new CanaryAnalysis
            {
                Interval = "1m",
                Threshold = 5,
                StepWeight = 10,
                MaxWeight = 50,
            },
        },
    };
}
