using Flagger.Core.Model;
using k8s.Models;

namespace Flagger.Infrastructure.Tests.Prometheus;

/// <summary>Canaries and metrics for the metric tests: a podinfo canary on Gateway API in a namespace of its own.</summary>
internal static class MetricCanaries
{
    /// <summary>A namespace no other test writes samples into.</summary>
    public static string UniqueNamespace() => "t" + Guid.NewGuid().ToString("N")[..10];

    public static Canary Podinfo(string ns, string target = "podinfo", string? metricsServer = null, string? provider = "gatewayapi:v1") => new()
    {
        Metadata = new V1ObjectMeta { Name = target, NamespaceProperty = ns },
        Spec = new CanarySpec
        {
            Provider = provider,
            MetricsServer = metricsServer,
            TargetRef = new LocalObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = target },
            Service = new CanaryService { Port = 9898 },
        },
    };

    public static CanaryMetric SuccessRate(double min = 99, string? onNoData = null) => new()
    {
        Name = CanaryMetric.RequestSuccessRate,
        ThresholdRange = new ThresholdRange { Min = min },
        Interval = "1m",
        OnNoData = onNoData,
    };

    public static CanaryMetric Duration(double maxMs = 500) => new()
    {
        Name = CanaryMetric.RequestDuration,
        ThresholdRange = new ThresholdRange { Max = maxMs },
        Interval = "1m",
    };

    public static CanaryMetric FromTemplate(string name, string templateName, string? templateNamespace = null, double? max = null,
        IDictionary<string, string>? variables = null) => new()
    {
        Name = name,
        TemplateRef = new CrossNamespaceObjectReference { Name = templateName, Namespace = templateNamespace },
        ThresholdRange = new ThresholdRange { Max = max ?? 1 },
        TemplateVariables = variables,
    };
}
