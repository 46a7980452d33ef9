using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Flagger.Core.Model;
using Fluid;

namespace Flagger.Infrastructure.Prometheus;

/// <summary>
/// Renders MetricTemplate queries with Fluid in strict mode. Flagger's Go templates write
/// <c>{{ namespace }}</c> and <c>{{ variables.key }}</c>, which Liquid reads the same way; an unknown
/// variable is an error naming it, like Go's <c>missingkey=error</c>.
/// </summary>
/// <remarks>
/// Variables: <c>name</c> (canary), <c>namespace</c>, <c>target</c> (targetRef.name), <c>service</c>
/// (service.name or target), <c>ingress</c> (ingressRef.name or target), <c>route</c> (routeRef.name or
/// target), <c>interval</c> (the metric's interval, <c>1m</c> when unset), <c>variables.*</c>
/// (templateVariables). Ours: <c>primary</c> is <c>&lt;target&gt;-primary</c>, the primary Deployment;
/// <c>canary</c> is the target itself, because the canary workload is the target Deployment (its pods are
/// <c>&lt;target&gt;-&lt;hash&gt;</c>); the canary Service is <c>{{ service }}-canary</c>.
/// </remarks>
public sealed partial class MetricQueryRenderer
{
    private static readonly FluidParser s_parser = new();
    private readonly TemplateOptions _options = new() { StrictVariables = true, StrictFilters = true };
    private readonly ConcurrentDictionary<string, IFluidTemplate> _parsed = new(StringComparer.Ordinal);

    /// <exception cref="MetricQueryRenderException">The template does not parse, or uses an unknown variable or filter.</exception>
    public string Render(string template, Canary canary, CanaryMetric metric)
    {
        ArgumentNullException.ThrowIfNull(template);
        var parsed = _parsed.GetOrAdd(template, Parse);
        var context = new TemplateContext(_options);
        foreach (var (name, value) in Variables(canary, metric))
        {
            context.SetValue(name, value);
        }

        context.SetValue("variables", new Dictionary<string, string>(metric.TemplateVariables ?? new Dictionary<string, string>(), StringComparer.Ordinal));
        try
        {
            return parsed.Render(context, NullEncoder.Default);
        }
        catch (Exception e) when (e is FluidException or InvalidOperationException)
        {
            // Fluid names a missing top-level variable, but prints its AST node for a missing member
            // (variables.key), so those are found by name here.
            var missing = MissingTemplateVariables(template, metric).ToList();
            var reason = missing.Count > 0
                ? $"Undefined variable {string.Join(", ", missing.Select(m => $"'variables.{m}'"))} (not in templateVariables)"
                : e.Message;
            throw new MetricQueryRenderException($"cannot render the query of metric {metric.Name}: {reason}", e);
        }
    }

    /// <summary>The plain variables of a canary and metric (without <c>variables.*</c>).</summary>
    public static IReadOnlyDictionary<string, string> Variables(Canary canary, CanaryMetric metric)
    {
        ArgumentNullException.ThrowIfNull(canary);
        ArgumentNullException.ThrowIfNull(metric);
        var target = canary.Spec.TargetRef.Name;
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["name"] = canary.Metadata.Name,
            ["namespace"] = canary.Metadata.NamespaceProperty,
            ["target"] = target,
            ["service"] = OrTarget(canary.Spec.Service.Name),
            ["ingress"] = OrTarget(canary.Spec.IngressRef?.Name),
            ["route"] = OrTarget(canary.Spec.RouteRef?.Name),
            ["interval"] = metric.EffectiveInterval,
            ["primary"] = $"{target}-primary",
            ["canary"] = target,
        };

        string OrTarget(string? name) => string.IsNullOrEmpty(name) ? target : name;
    }

    private static IEnumerable<string> MissingTemplateVariables(string template, CanaryMetric metric) =>
        VariableReference().Matches(template)
            .Select(m => m.Groups[1].Value)
            .Where(key => metric.TemplateVariables?.ContainsKey(key) != true)
            .Distinct(StringComparer.Ordinal);

    [GeneratedRegex(@"\bvariables\.([A-Za-z0-9_-]+)")]
    private static partial Regex VariableReference();

    private static IFluidTemplate Parse(string template) =>
        s_parser.TryParse(template, out var parsed, out var error)
            ? parsed
            : throw new MetricQueryRenderException($"cannot parse the query template: {error}");
}

/// <summary>A query template that cannot be rendered; the message names the variable or the syntax error.</summary>
public sealed class MetricQueryRenderException(string message, Exception? innerException = null) : Exception(message, innerException);
