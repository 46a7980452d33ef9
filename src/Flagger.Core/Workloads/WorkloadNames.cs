using Flagger.Core.Model;

namespace Flagger.Core.Workloads;

/// <summary>Names Flagger derives for the objects it owns (spec §1.2, §3.1, §3.6).</summary>
public static class WorkloadNames
{
    public const string PrimarySuffix = "-primary";
    public const string CanarySuffix = "-canary";

    /// <summary><c>&lt;target&gt;-primary</c>: the primary Deployment, and the copy of a tracked ConfigMap or Secret.</summary>
    public static string PrimaryName(string targetName) => targetName + PrimarySuffix;

    /// <summary>The apex Service (and HTTPRoute) name: <c>spec.service.name</c>, defaulting to <c>targetRef.name</c>.</summary>
    public static string ServiceName(string targetName, string? serviceName) =>
        string.IsNullOrEmpty(serviceName) ? targetName : serviceName;

    public static string ServiceName(Canary canary)
    {
        ArgumentNullException.ThrowIfNull(canary);
        return ServiceName(canary.Spec.TargetRef.Name, canary.Spec.Service.Name);
    }

    public static string PrimaryServiceName(string serviceName) => serviceName + PrimarySuffix;

    public static string CanaryServiceName(string serviceName) => serviceName + CanarySuffix;
}
