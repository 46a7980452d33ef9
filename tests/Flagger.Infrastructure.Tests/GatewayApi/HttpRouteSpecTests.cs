using System.Text.Json.Nodes;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Infrastructure.GatewayApi;

namespace Flagger.Infrastructure.Tests.GatewayApi;

/// <summary>The generated HTTPRoute, after Flagger's gateway_api_test.go (spec §9.2).</summary>
public sealed class HttpRouteSpecTests
{
    internal static Canary Podinfo(Action<Canary>? change = null)
    {
        var canary = new Canary
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "podinfo", NamespaceProperty = "default", Uid = "uid-1", Generation = 1 },
            Spec = new CanarySpec
            {
                Provider = "gatewayapi:v1",
                TargetRef = new LocalObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "podinfo" },
                Service = new CanaryService
                {
                    Port = 9898,
                    Hosts = ["podinfo.example.com"],
                    GatewayRefs = [new GatewayReference { Name = "public", Namespace = "gateway-system" }],
                },
                Analysis = new CanaryAnalysis { Interval = "1m", Threshold = 5, StepWeight = 10, MaxWeight = 50 },
            },
            Status = new CanaryStatus { Phase = CanaryPhase.Progressing, LastAppliedSpec = "rev-2", LastPromotedSpec = "rev-1" },
        };
        change?.Invoke(canary);
        return canary;
    }

    private static JsonArray Rules(JsonObject spec) => spec["rules"]!.AsArray();

    private static (string? Name, int Weight)[] Backends(JsonNode rule) =>
        [.. rule["backendRefs"]!.AsArray().Select(b => ((string?)b!["name"], b["weight"]!.GetValue<int>()))];

    [Fact]
    public void Build_PlainCanary_ParentsHostsDefaultMatchAndPrimaryCanaryBackends()
    {
        var spec = HttpRouteSpec.Build(Podinfo(), GatewayApiVersion.V1, 100, 0, false);

        Assert.Equal("""[{"group":"gateway.networking.k8s.io","kind":"Gateway","namespace":"gateway-system","name":"public"}]""", spec["parentRefs"]!.ToJsonString());
        Assert.Equal("""["podinfo.example.com"]""", spec["hostnames"]!.ToJsonString());
        var rule = Assert.Single(Rules(spec));
        Assert.Equal("""[{"path":{"type":"PathPrefix","value":"/"}}]""", rule!["matches"]!.ToJsonString());
        Assert.Equal([("podinfo-primary", 100), ("podinfo-canary", 0)], Backends(rule));
        Assert.Null(rule["timeouts"]);
        Assert.Null(rule["filters"]);
    }

    [Fact]
    public void Build_TimeoutsHeadersRewriteCors_InFlaggersFilterOrder()
    {
        var canary = Podinfo(c =>
        {
            c.Spec.Service.Timeout = "30s";
            c.Spec.Service.BackendTimeout = "10s";
            c.Spec.Service.Headers = new HeaderOperations
            {
                Request = new HeaderOperation { Add = new Dictionary<string, string> { ["x-b"] = "2", ["x-a"] = "1" }, Remove = ["x-drop"] },
                Response = new HeaderOperation { Set = new Dictionary<string, string> { ["x-served-by"] = "podinfo" } },
            };
            c.Spec.Service.Rewrite = new HttpRewrite { Uri = "/v2", Type = "ReplacePrefixMatch" };
            c.Spec.Service.CorsPolicy = new CorsPolicy { AllowOrigin = ["https://example.com"], AllowMethods = ["GET"], MaxAge = "24h", AllowCredentials = true };
        });

        var rule = Rules(HttpRouteSpec.Build(canary, GatewayApiVersion.V1, 90, 10, false))[0]!;

        Assert.Equal(["RequestHeaderModifier", "ResponseHeaderModifier", "URLRewrite", "CORS"], rule["filters"]!.AsArray().Select(f => (string?)f!["type"]));
        Assert.Equal("""[{"name":"x-a","value":"1"},{"name":"x-b","value":"2"}]""", rule["filters"]![0]!["requestHeaderModifier"]!["add"]!.ToJsonString());
        Assert.Equal("""{"type":"ReplacePrefixMatch","replacePrefixMatch":"/v2"}""", rule["filters"]![2]!["urlRewrite"]!["path"]!.ToJsonString());
        Assert.Equal(86400, rule["filters"]![3]!["cors"]!["maxAge"]!.GetValue<int>());
        Assert.Equal("""{"request":"30s","backendRequest":"10s"}""", rule["timeouts"]!.ToJsonString());
    }

    [Fact]
    public void Build_V1Beta1_HasNoTimeoutsAndNoCors()
    {
        var canary = Podinfo(c =>
        {
            c.Spec.Service.Timeout = "30s";
            c.Spec.Service.CorsPolicy = new CorsPolicy { AllowOrigin = ["*"] };
        });

        var rule = Rules(HttpRouteSpec.Build(canary, GatewayApiVersion.V1Beta1, 100, 0, false))[0]!;

        Assert.Null(rule["timeouts"]);
        Assert.Null(rule["filters"]);
    }

    [Fact]
    public void Build_ABTesting_MatchRuleToCanaryThenPrimaryOnlyRule()
    {
        var canary = Podinfo(c =>
        {
            c.Spec.Analysis!.StepWeight = null;
            c.Spec.Analysis.MaxWeight = null;
            c.Spec.Analysis.Iterations = 10;
            c.Spec.Analysis.Match =
            [
                new HttpMatchRequest { Headers = new Dictionary<string, StringMatch> { ["x-canary"] = new() { Exact = "insider" } } },
                new HttpMatchRequest { Headers = new Dictionary<string, StringMatch> { ["cookie"] = new() { Regex = "^(.*?;)?(canary=always)(;.*)?$" } } },
            ];
            c.Spec.Service.Match = [new HttpMatchRequest { Uri = new StringMatch { Prefix = "/api" } }];
        });

        var rules = Rules(HttpRouteSpec.Build(canary, GatewayApiVersion.V1, 0, 100, false));

        Assert.Equal(2, rules.Count);
        Assert.Equal(
            """[{"path":{"type":"PathPrefix","value":"/api"},"headers":[{"name":"x-canary","type":"Exact","value":"insider"}]},{"path":{"type":"PathPrefix","value":"/api"},"headers":[{"name":"cookie","type":"RegularExpression","value":"^(.*?;)?(canary=always)(;.*)?$"}]}]""",
            rules[0]!["matches"]!.ToJsonString());
        Assert.Equal([("podinfo-primary", 0), ("podinfo-canary", 100)], Backends(rules[0]!));
        Assert.Equal("""[{"path":{"type":"PathPrefix","value":"/api"}}]""", rules[1]!["matches"]!.ToJsonString());
        Assert.Equal([("podinfo-primary", 100)], Backends(rules[1]!));
    }

    [Fact]
    public void Build_BlueGreenMirrored_AddsRequestMirrorToTheCanaryService()
    {
        var canary = Podinfo(c =>
        {
            c.Spec.Analysis!.StepWeight = null;
            c.Spec.Analysis.MaxWeight = null;
            c.Spec.Analysis.Iterations = 5;
            c.Spec.Analysis.Mirror = true;
        });

        var mirrored = Rules(HttpRouteSpec.Build(canary, GatewayApiVersion.V1, 100, 0, true))[0]!;
        var live = Rules(HttpRouteSpec.Build(canary, GatewayApiVersion.V1, 0, 100, false))[0]!;

        Assert.Equal("""[{"type":"RequestMirror","requestMirror":{"backendRef":{"group":"","kind":"Service","name":"podinfo-canary","port":9898}}}]""", mirrored["filters"]!.ToJsonString());
        Assert.Null(live["filters"]);
    }

    [Fact]
    public void Build_BlueGreenMirrorWeight_V1WritesItAsPercent_V1Beta1MirrorsEverything()
    {
        var canary = Podinfo(c => GrpcRouteSpecTests.BlueGreen(c, mirror: true, mirrorWeight: 30));

        var v1 = Rules(HttpRouteSpec.Build(canary, GatewayApiVersion.V1, 100, 0, true))[0]!;
        var v1Beta1 = Rules(HttpRouteSpec.Build(canary, GatewayApiVersion.V1Beta1, 100, 0, true))[0]!;

        Assert.Equal(
            """{"backendRef":{"group":"","kind":"Service","name":"podinfo-canary","port":9898},"percent":30}""",
            v1["filters"]![0]!["requestMirror"]!.ToJsonString());
        Assert.Null(v1Beta1["filters"]![0]!["requestMirror"]!["percent"]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    public void Build_BlueGreenMirrorWeightUnsetOrZero_NoPercent_TheWholeStreamIsMirrored(int? mirrorWeight)
    {
        var canary = Podinfo(c => GrpcRouteSpecTests.BlueGreen(c, mirror: true, mirrorWeight: mirrorWeight));

        var rule = Rules(HttpRouteSpec.Build(canary, GatewayApiVersion.V1, 100, 0, true))[0]!;

        Assert.Equal("""{"backendRef":{"group":"","kind":"Service","name":"podinfo-canary","port":9898}}""", rule["filters"]![0]!["requestMirror"]!.ToJsonString());
    }

    [Fact]
    public void Build_SessionAffinityAboveZero_StickyRulesThenWeightedRuleSettingTheStatusCookies()
    {
        var canary = Podinfo(c =>
        {
            c.Spec.Analysis!.SessionAffinity = new SessionAffinity
            {
                CookieName = "flagger-cookie",
                PrimaryCookieName = "primary-cookie",
                MaxAge = 300,
                Domain = "example.com",
                HttpOnly = true,
                Partitioned = true,
                Path = "/",
                SameSite = "Strict",
                Secure = true,
            };
            c.Status = c.Status! with { SessionAffinityCookie = "flagger-cookie=ZmKqsTdfWe", PrimarySessionAffinityCookie = "primary-cookie=HyWqNcLbAr" };
        });

        var rules = Rules(HttpRouteSpec.Build(canary, GatewayApiVersion.V1, 90, 10, false));

        Assert.Equal(3, rules.Count);
        Assert.Equal(".*flagger-cookie.*ZmKqsTdfWe.*", CookieMatch(rules[0]!));
        Assert.Equal([("podinfo-primary", 0), ("podinfo-canary", 100)], Backends(rules[0]!));
        Assert.Equal(".*primary-cookie.*HyWqNcLbAr.*", CookieMatch(rules[1]!));
        Assert.Equal([("podinfo-primary", 100), ("podinfo-canary", 0)], Backends(rules[1]!));
        Assert.Equal([("podinfo-primary", 90), ("podinfo-canary", 10)], Backends(rules[2]!));
        Assert.Equal("flagger-cookie=ZmKqsTdfWe; Max-Age=300; Domain=example.com; HttpOnly; Partitioned; Path=/; SameSite=Strict; Secure", BackendSetCookie(rules[2]!, 1));
        Assert.Equal("primary-cookie=HyWqNcLbAr; Max-Age=60; Domain=example.com; HttpOnly; Partitioned; Path=/; SameSite=Strict; Secure", BackendSetCookie(rules[2]!, 0));
    }

    [Fact]
    public void Build_SessionAffinityAboveZero_StatusWithoutCookies_UsesTheCookiesTheTickStores()
    {
        var canary = Podinfo(c => c.Spec.Analysis!.SessionAffinity = new SessionAffinity { CookieName = "flagger-cookie", PrimaryCookieName = "primary-cookie" });
        var stored = SessionAffinityCookies.Next(canary, canary.Status!, 10);

        var rules = Rules(HttpRouteSpec.Build(canary, GatewayApiVersion.V1, 90, 10, false));

        Assert.StartsWith($"{stored.SessionAffinityCookie}; Max-Age=86400", BackendSetCookie(rules[2]!, 1));
        Assert.StartsWith($"{stored.PrimarySessionAffinityCookie}; Max-Age=60", BackendSetCookie(rules[2]!, 0));
    }

    [Fact]
    public void Build_SessionAffinityWithTheCookiesOfTheTick_UsesThemOverTheStatus()
    {
        var canary = Podinfo(c =>
        {
            c.Spec.Analysis!.SessionAffinity = new SessionAffinity { CookieName = "flagger-cookie" };
            c.Status = c.Status! with { SessionAffinityCookie = "flagger-cookie=statusstat" };
        });

        var rules = Rules(HttpRouteSpec.Build(canary, GatewayApiVersion.V1, 100, 0, false, new SessionCookies(null, null, "flagger-cookie=ticktickti")));

        Assert.Equal(".*flagger-cookie.*ticktickti.*", CookieMatch(rules[0]!));
    }

    [Fact]
    public void Build_SessionAffinityAtZero_ExpiresThePreviousCookie()
    {
        var canary = Podinfo(c =>
        {
            c.Spec.Analysis!.SessionAffinity = new SessionAffinity { CookieName = "flagger-cookie" };
            c.Status = c.Status! with { PreviousSessionAffinityCookie = "flagger-cookie=oldoldoldo" };
        });

        var rules = Rules(HttpRouteSpec.Build(canary, GatewayApiVersion.V1, 100, 0, false));

        Assert.Equal(2, rules.Count);
        Assert.Equal(".*flagger-cookie.*oldoldoldo.*", CookieMatch(rules[0]!));
        Assert.Equal("flagger-cookie=oldoldoldo; Max-Age=-1", (string?)rules[0]!["filters"]![0]!["responseHeaderModifier"]!["add"]![0]!["value"]);
        Assert.Equal([("podinfo-primary", 100), ("podinfo-canary", 0)], Backends(rules[0]!));
        Assert.Equal([("podinfo-primary", 100), ("podinfo-canary", 0)], Backends(rules[1]!));
        Assert.Null(rules[1]!["matches"]![0]!["headers"]);
    }

    [Fact]
    public void Build_SessionAffinityAtZero_TheRunsCookieIsTheOneExpired()
    {
        var canary = Podinfo(c =>
        {
            c.Spec.Analysis!.SessionAffinity = new SessionAffinity { CookieName = "flagger-cookie" };
            c.Status = c.Status! with { SessionAffinityCookie = "flagger-cookie=currentcur", PreviousSessionAffinityCookie = "flagger-cookie=oldoldoldo" };
        });

        var rules = Rules(HttpRouteSpec.Build(canary, GatewayApiVersion.V1, 100, 0, false));

        Assert.Equal("flagger-cookie=currentcur; Max-Age=-1", (string?)rules[0]!["filters"]![0]!["responseHeaderModifier"]!["add"]![0]!["value"]);
    }

    [Fact]
    public void Build_SessionAffinityAtZero_NoCookieYet_TheWeightedRuleTwice()
    {
        var canary = Podinfo(c => c.Spec.Analysis!.SessionAffinity = new SessionAffinity { CookieName = "flagger-cookie" });

        var rules = Rules(HttpRouteSpec.Build(canary, GatewayApiVersion.V1, 100, 0, false));

        Assert.Equal(2, rules.Count);
        Assert.Equal(rules[1]!.ToJsonString(), rules[0]!.ToJsonString());
        Assert.Null(rules[0]!["filters"]);
    }

    private static string? CookieMatch(JsonNode rule) => (string?)rule["matches"]![0]!["headers"]![0]!["value"];

    private static string? BackendSetCookie(JsonNode rule, int backend) =>
        (string?)rule["backendRefs"]![backend]!["filters"]![0]!["responseHeaderModifier"]!["add"]![0]!["value"];

    [Theory]
    [InlineData("gatewayapi:v1", "v1")]
    [InlineData("gatewayapi:v1beta1", "v1beta1")]
    [InlineData("gatewayapi:v1alpha2", "v1alpha2")]
    [InlineData(null, "v1")]
    public void ForProvider_FlaggersPrefixRule(string? provider, string version)
    {
        Assert.Equal(version, GatewayApiVersion.ForProvider(provider).Version);
    }
}
