using Flagger.Core.Model;
using Flagger.Infrastructure.Prometheus;

namespace Flagger.Infrastructure.Tests.Prometheus;

public sealed class MetricQueryRendererTests
{
    private readonly MetricQueryRenderer _renderer = new();

    [Fact]
    public void Render_EveryVariable_FromCanaryAndMetric()
    {
        var canary = MetricCanaries.Podinfo("shop", target: "cart");
        canary.Metadata.Name = "cart-canary";
        canary.Spec.Service.Name = "cart-svc";
        canary.Spec.RouteRef = new LocalObjectReference { Name = "cart-route" };
        var metric = new CanaryMetric { Name = "m", Interval = "30s", TemplateVariables = new Dictionary<string, string> { ["code"] = "5.." } };

        var rendered = _renderer.Render(
            "{{ name }}|{{ namespace }}|{{ target }}|{{ service }}|{{ ingress }}|{{ route }}|{{ interval }}|{{ primary }}|{{ canary }}|{{ variables.code }}",
            canary, metric);

        Assert.Equal("cart-canary|shop|cart|cart-svc|cart|cart-route|30s|cart-primary|cart|5..", rendered);
    }

    [Fact]
    public void Render_DefaultsToTargetAndOneMinute()
    {
        var rendered = _renderer.Render("{{ service }} {{ ingress }} {{ route }} {{ interval }}", MetricCanaries.Podinfo("a"), new CanaryMetric { Name = "m" });

        Assert.Equal("podinfo podinfo podinfo 1m", rendered);
    }

    [Fact]
    public void Render_KeepsPromQlAndQuotesAsWritten()
    {
        var rendered = _renderer.Render(
            """sum(rate(x{a=~"{{ variables.re }}", b!="<&>"}[{{ interval }}])) by (le)""",
            MetricCanaries.Podinfo("a"), new CanaryMetric { Name = "m", TemplateVariables = new Dictionary<string, string> { ["re"] = "a|b\"c" } });

        Assert.Equal("""sum(rate(x{a=~"a|b"c", b!="<&>"}[1m])) by (le)""", rendered);
    }

    [Theory]
    [InlineData("{{ namespcae }}", "namespcae")]
    [InlineData("x{ns=\"{{ namespace }}\", app=\"{{ variables.app }}\"}", "'variables.app'")]
    [InlineData("{{ target | no_such_filter }}", "no_such_filter")]
    public void Render_UnknownName_FailsNamingIt(string template, string name)
    {
        var error = Assert.Throws<MetricQueryRenderException>(() =>
            _renderer.Render(template, MetricCanaries.Podinfo("a"), new CanaryMetric { Name = "errors" }));

        Assert.True(error.Message.Contains(name, StringComparison.Ordinal), error.Message);
        Assert.StartsWith("cannot render the query of metric errors", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_BrokenSyntax_Fails()
    {
        var error = Assert.Throws<MetricQueryRenderException>(() =>
            _renderer.Render("sum({{ namespace )", MetricCanaries.Podinfo("a"), new CanaryMetric { Name = "m" }));

        Assert.StartsWith("cannot parse the query template", error.Message, StringComparison.Ordinal);
    }
}
