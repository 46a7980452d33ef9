using System.Reflection;
using System.Text.Json.Serialization;
using Flagger.Core.Model;
using Flagger.Core.Tests.Support;
using Flagger.Testing.Canaries;
using k8s.Models;
using Xunit;
using YamlDotNet.Serialization;

namespace Flagger.Core.Tests.Model;

public class FlaggerYamlTests
{
    public static TheoryData<string> CorpusFiles => new(Manifests.FileNames);

    [Fact]
    public void Corpus_HasTheExpectedFiles()
    {
        Assert.Equal(
            [
                "ab-testing.yaml", "alert-providers.yaml", "blue-green-mirror.yaml", "canary-podinfo.yaml",
                "deprecated-canary-analysis.yaml", "metric-templates.yaml", "session-affinity.yaml", "shared-podinfo.yaml",
                "skip-analysis.yaml", "step-weight-promotion.yaml", "step-weights.yaml",
            ],
            Manifests.FileNames);
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void LoadAll_CorpusFile_LoadsStrictlyAndEveryCanaryIsValid(string file)
    {
        var objects = FlaggerYaml.LoadAll(Manifests.Read(file));

        Assert.NotEmpty(objects);
        foreach (var canary in objects.OfType<Canary>())
        {
            var validation = CanaryValidator.Validate(canary);
            Assert.True(validation.IsValid, $"{file}: {validation.Summary()}");
            if (!file.StartsWith("deprecated-", StringComparison.Ordinal))
            {
                Assert.True(validation.Warnings.Count == 0, $"{file}: {validation.Summary()}");
            }
        }
    }

    [Fact]
    public void LoadAll_SharedPodinfo_TypesEveryDocument()
    {
        var objects = FlaggerYaml.LoadAll(Manifests.Read("shared-podinfo.yaml"));

        Assert.Collection(
            objects,
            o => Assert.Equal("podinfo", Assert.IsType<V1Deployment>(o).Metadata.Name),
            o => Assert.Equal("#34577c", Assert.IsType<V1ConfigMap>(o).Data["PODINFO_UI_COLOR"]),
            o => Assert.Equal("error-rate", Assert.IsType<MetricTemplate>(o).Metadata.Name),
            o => Assert.Equal("latency", Assert.IsType<MetricTemplate>(o).Metadata.Name),
            o => Assert.Equal("on-call-teams-url", Assert.IsType<AlertProvider>(o).Spec.SecretRef?.Name),
            o => Assert.Equal("podinfo", Assert.IsType<Canary>(o).Metadata.Name));
    }

    [Fact]
    public void LoadCanary_SharedPodinfo_ReadsEveryField()
    {
        var canary = FlaggerYaml.LoadCanary(Manifests.Read("shared-podinfo.yaml"));

        Assert.Equal("test/podinfo", canary.Key);
        Assert.Equal("gatewayapi:v1", canary.Spec.Provider);
        Assert.Equal("Deployment", canary.Spec.TargetRef.Kind);
        Assert.Equal(TimeSpan.FromSeconds(120), canary.Spec.ProgressDeadline);
        Assert.Equal(9898, canary.Spec.Service.Port);
        Assert.Equal(9898, int.Parse(canary.Spec.Service.TargetPort!.Value!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(["podinfo.contoso.example"], canary.Spec.Service.Hosts!);
        var gateway = Assert.Single(canary.Spec.Service.GatewayRefs!);
        Assert.Equal(("public", "gateway-system"), (gateway.Name, gateway.Namespace));

        var analysis = canary.Spec.Analysis!;
        Assert.Equal(TimeSpan.FromSeconds(30), analysis.GetInterval());
        Assert.Equal(3, analysis.Threshold);
        Assert.Equal(50, analysis.MaxWeight);
        Assert.Equal(10, analysis.StepWeight);
        Assert.Equal(DeploymentStrategy.Canary, analysis.Strategy);

        Assert.Collection(
            analysis.Metrics!,
            m =>
            {
                Assert.Equal(("error-rate", "flagger-system"), (m.TemplateRef!.Name, m.TemplateRef.Namespace));
                Assert.Equal(1, m.ThresholdRange!.Max);
                Assert.Null(m.ThresholdRange.Min);
                Assert.Equal("1m", m.Interval);
            },
            m =>
            {
                Assert.Equal(("latency", "flagger-system"), (m.TemplateRef!.Name, m.TemplateRef.Namespace));
                Assert.Equal(500, m.ThresholdRange!.Max);
                Assert.Equal("30s", m.Interval);
            });

        Assert.Collection(
            analysis.Webhooks!,
            w =>
            {
                Assert.Equal((WebhookType.PreRollout, "smoke"), (w.Type, w.Name));
                Assert.Equal(TimeSpan.FromSeconds(15), w.EffectiveTimeout);
            },
            w =>
            {
                Assert.Equal((WebhookType.ConfirmPromotion, "http://tester.test/gate/check"), (w.Type, w.Url));
                Assert.Equal(TimeSpan.FromSeconds(10), w.EffectiveTimeout);
            });

        var alert = Assert.Single(analysis.Alerts!);
        Assert.Equal("warn", alert.Severity);
        Assert.Equal("on-call", alert.ProviderRef.Name);
        Assert.Null(alert.ProviderRef.Namespace);
        Assert.True(CanaryValidator.Validate(canary).IsValid);
    }

    [Fact]
    public void LoadCanary_CorpusPodinfo_ReadsWebhooksOfEveryType()
    {
        var canary = FlaggerYaml.LoadCanary(Manifests.Read("canary-podinfo.yaml"));

        var webhooks = canary.Analysis.Webhooks!;
        Assert.Equal(WebhookType.All.Order(StringComparer.Ordinal), webhooks.Select(w => WebhookType.Normalize(w.Type)).Distinct().Order(StringComparer.Ordinal));
        Assert.Null(webhooks.Single(w => w.Name == "smoke").Type);
        Assert.True(webhooks.Single(w => w.Name == "notify").DisableTls);
        Assert.True(webhooks.Single(w => w.Name == "traffic gate").MuteAlert);
        Assert.Equal(3, webhooks.Single(w => w.Name == "acceptance-test").Retries);
        Assert.Equal("bash", webhooks.Single(w => w.Name == "acceptance-test").Metadata!["type"]);
        Assert.Equal(NoDataPolicy.Skip, canary.Analysis.Metrics!.Single(m => m.Name == "error-rate").NoDataPolicy);
        Assert.Equal("0.99", canary.Analysis.Metrics!.Single(m => m.Name == "latency").TemplateVariables!["quantile"]);
        Assert.Equal(["error", "info", null], canary.Analysis.Alerts!.Select(a => a.Severity));
        Assert.Equal(5, canary.Spec.AutoscalerRef!.PrimaryScalerReplicas!.MaxReplicas);
    }

    [Fact]
    public void LoadCanary_AbTesting_ReadsHeaderAndCookieRegexMatches()
    {
        var canary = FlaggerYaml.LoadCanary(Manifests.Read("ab-testing.yaml"));

        Assert.Equal(DeploymentStrategy.ABTesting, canary.Analysis.Strategy);
        Assert.Equal(".*insider.*", canary.Analysis.Match![0].Headers!["x-canary"].Regex);
        Assert.Equal("^(.*?;)?(canary=always)(;.*)?$", canary.Analysis.Match[1].Headers!["cookie"].Regex);
        Assert.Equal("true", canary.Analysis.Match[2].QueryParams!["canary"].Exact);
    }

    [Fact]
    public void LoadAll_Corpus_ReadsStrategiesAndExtras()
    {
        Assert.Equal(DeploymentStrategy.BlueGreen, FlaggerYaml.LoadCanary(Manifests.Read("blue-green-mirror.yaml")).Analysis.Strategy);
        Assert.True(FlaggerYaml.LoadCanary(Manifests.Read("blue-green-mirror.yaml")).Analysis.Mirror);
        Assert.Equal([1, 5, 10, 20, 50, 80], FlaggerYaml.LoadCanary(Manifests.Read("step-weights.yaml")).Analysis.StepWeights!);
        Assert.Equal(25, FlaggerYaml.LoadCanary(Manifests.Read("step-weight-promotion.yaml")).Analysis.StepWeightPromotion);
        Assert.True(FlaggerYaml.LoadCanary(Manifests.Read("skip-analysis.yaml")).Spec.SkipAnalysis);
        var affinity = FlaggerYaml.LoadCanary(Manifests.Read("session-affinity.yaml")).Analysis.SessionAffinity!;
        Assert.Equal(("flagger-cookie", "flagger-primary-cookie", 21600), (affinity.CookieName, affinity.PrimaryCookieName, affinity.MaxAge));
        var legacy = FlaggerYaml.LoadCanary(Manifests.Read("deprecated-canary-analysis.yaml"));
        Assert.Null(legacy.Spec.Analysis);
        Assert.Equal(99, legacy.Analysis.Metrics![0].Threshold);
    }

    [Fact]
    public void LoadAll_MetricTemplates_ReadsSecretRefHeadersAndProviders()
    {
        var templates = FlaggerYaml.LoadAll(Manifests.Read("metric-templates.yaml")).OfType<MetricTemplate>().ToDictionary(t => t.Metadata.Name);

        Assert.Equal("prom-basic-auth", templates["error-rate"].Spec.Provider.SecretRef!.Name);
        Assert.True(templates["error-rate"].Spec.Provider.InsecureSkipVerify);
        Assert.Equal(["tenant-a"], templates["latency"].Spec.Provider.Headers!["X-Scope-OrgID"]);
        Assert.Contains("{{ variables.quantile }}", templates["latency"].Spec.Query, StringComparison.Ordinal);
        Assert.Equal("eu-west-1", templates["cloudwatch-errors"].Spec.Provider.Region);
        Assert.Equal("datadog", templates["datadog-errors"].Spec.Provider.Type);
    }

    [Fact]
    public void LoadAll_AlertProviders_CoverEveryType()
    {
        var providers = FlaggerYaml.LoadAll(Manifests.Read("alert-providers.yaml")).OfType<AlertProvider>().ToList();

        Assert.Equal(AlertProviderSpec.Types.Order(StringComparer.Ordinal), providers.Select(p => p.Spec.Type).Order(StringComparer.Ordinal));
        Assert.Equal("http://proxy.internal:3128", providers.Single(p => p.Spec.Type == "msteams").Spec.Proxy);
        Assert.Equal("on-call-alerts", providers.Single(p => p.Spec.Type == "slack").Spec.Channel);
    }

    [Theory]
    [InlineData("spec:\n  targetRef: {name: x}\n  stepWeight: 10\n", "stepWeight")]
    [InlineData("spec:\n  service: {port: 80, gatewayRef: []}\n", "gatewayRef")]
    [InlineData("spec:\n  analysis:\n    webhooks:\n      - {name: a, url: 'http://a', disableTls: true}\n", "disableTls")]
    public void LoadCanary_UnknownField_ThrowsNamingTheField(string spec, string field)
    {
        var yaml = "apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: x}\n" + spec;

        var e = Assert.Throws<FlaggerYamlException>(() => FlaggerYaml.LoadCanary(yaml));
        Assert.Contains($"'{field}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadAll_UnknownKind_ThrowsFlaggerYamlException()
    {
        var e = Assert.Throws<FlaggerYamlException>(() => FlaggerYaml.LoadAll("apiVersion: flagger.app/v1beta1\nkind: Rollout\nmetadata: {name: x}\n"));
        Assert.Contains("apiVersion/kind", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadAll_MalformedYaml_ThrowsWithLine()
    {
        var e = Assert.Throws<FlaggerYamlException>(() => FlaggerYaml.LoadAll("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [x\n"));
        Assert.Contains("line", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", 0)]
    [InlineData("apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: a}\n---\napiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: b}\n", 2)]
    public void LoadCanary_NotExactlyOneCanary_Throws(string yaml, int found)
    {
        var e = Assert.Throws<FlaggerYamlException>(() => FlaggerYaml.LoadCanary(yaml));
        Assert.Contains($"found {found}", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// KubernetesYaml reads our types through the camelCase convention, not [JsonPropertyName]; a JSON
    /// name that camelCase does not produce needs a [YamlMember] alias or strict loading rejects it.
    /// </summary>
    [Fact]
    public void ModelProperties_JsonNameDiffersFromCamelCase_HaveYamlAlias()
    {
        var missing =
            from type in typeof(Canary).Assembly.GetTypes()
            where type.Namespace == typeof(Canary).Namespace
            from property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            let json = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name
            where json is not null && json != char.ToLowerInvariant(property.Name[0]) + property.Name[1..]
            where property.GetCustomAttribute<YamlMemberAttribute>()?.Alias != json
            select $"{type.Name}.{property.Name} ({json})";

        Assert.Empty(missing);
    }
}
