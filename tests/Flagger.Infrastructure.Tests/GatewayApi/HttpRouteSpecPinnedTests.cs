using System.Text.Json.Nodes;
using Flagger.Core.Model;
using Flagger.Infrastructure.GatewayApi;

namespace Flagger.Infrastructure.Tests.GatewayApi;

/// <summary>
/// The exact JSON <see cref="HttpRouteSpec.Build"/> writes for canaries that use every field it maps, pinned
/// so that a change to how the route is built cannot change what goes to the API server unnoticed.
/// </summary>
public sealed class HttpRouteSpecPinnedTests
{
    public static TheoryData<string> Scenarios => [.. s_scenarios.Keys];

    private static readonly Dictionary<string, Func<JsonObject>> s_scenarios = new(StringComparer.Ordinal)
    {
        ["plain"] = () => HttpRouteSpec.Build(HttpRouteSpecTests.Podinfo(), GatewayApiVersion.V1, 100, 0, false),
        ["every-filter"] = () => HttpRouteSpec.Build(EveryField(), GatewayApiVersion.V1, 90, 10, false),
        ["every-filter-v1beta1"] = () => HttpRouteSpec.Build(EveryField(), GatewayApiVersion.V1Beta1, 90, 10, false),
        ["ab-testing"] = () => HttpRouteSpec.Build(ABTesting(), GatewayApiVersion.V1, 0, 100, false),
        ["blue-green-mirrored"] = () => HttpRouteSpec.Build(BlueGreen(), GatewayApiVersion.V1, 100, 0, true),
        ["session-affinity-above-zero"] = () => HttpRouteSpec.Build(SessionAffinity(), GatewayApiVersion.V1, 90, 10, false),
        ["session-affinity-above-zero-v1beta1"] = () => HttpRouteSpec.Build(SessionAffinity(), GatewayApiVersion.V1Beta1, 90, 10, false),
        ["session-affinity-at-zero"] = () => HttpRouteSpec.Build(SessionAffinity(), GatewayApiVersion.V1, 100, 0, false),
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Build_Scenario_WritesThePinnedJson(string scenario)
    {
        var expected = JsonNode.Parse(Fixture(scenario))!;

        var spec = s_scenarios[scenario]();

        Assert.Equal(expected.ToJsonString(), spec.ToJsonString());
    }

    internal static string Fixture(string scenario) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "GatewayApi", "Fixtures", $"httproute-{scenario}.json"));

    private static Canary EveryField() => HttpRouteSpecTests.Podinfo(c =>
    {
        c.Spec.Service.Hosts = ["podinfo.example.com", "podinfo.internal"];
        c.Spec.Service.GatewayRefs =
        [
            new GatewayReference { Name = "public", Namespace = "gateway-system", SectionName = "https", Port = 443 },
            new GatewayReference { Group = "example.com", Kind = "Mesh", Name = "mesh" },
        ];
        c.Spec.Service.Timeout = "30s";
        c.Spec.Service.BackendTimeout = "10s";
        c.Spec.Service.Match =
        [
            new HttpMatchRequest
            {
                Uri = new StringMatch { Exact = "/api" },
                Method = new StringMatch { Exact = "POST" },
                Headers = new Dictionary<string, StringMatch> { ["x-b"] = new() { Regex = "b.*" }, ["x-a"] = new() { Exact = "a" } },
                QueryParams = new Dictionary<string, StringMatch> { ["q"] = new() { Exact = "1" } },
            },
            new HttpMatchRequest { Uri = new StringMatch { Regex = "/v[0-9]+" } },
            new HttpMatchRequest { Uri = new StringMatch { Prefix = "/web" } },
        ];
        c.Spec.Service.Headers = new HeaderOperations
        {
            Request = new HeaderOperation
            {
                Add = new Dictionary<string, string> { ["x-b"] = "2", ["x-a"] = "1" },
                Set = new Dictionary<string, string> { ["x-set"] = "s" },
                Remove = ["x-drop", "x-gone"],
            },
            Response = new HeaderOperation { Set = new Dictionary<string, string> { ["x-served-by"] = "podinfo" }, Remove = ["server"] },
        };
        c.Spec.Service.Rewrite = new HttpRewrite { Uri = "/v2", Authority = "backend.internal" };
        c.Spec.Service.Mirror =
        [
            new MirrorTarget { BackendRef = new BackendReference { Name = "shadow", Namespace = "shadows", Port = 8080 } },
            new MirrorTarget { BackendRef = new BackendReference { Group = "example.com", Kind = "Backend", Name = "recorder" } },
        ];
        c.Spec.Service.CorsPolicy = new CorsPolicy
        {
            AllowOrigin = ["https://example.com"],
            AllowMethods = ["GET", "POST"],
            AllowHeaders = ["x-a"],
            ExposeHeaders = ["x-b"],
            MaxAge = "24h",
            AllowCredentials = false,
        };
    });

    private static Canary ABTesting() => HttpRouteSpecTests.Podinfo(c =>
    {
        c.Spec.Analysis!.StepWeight = null;
        c.Spec.Analysis.MaxWeight = null;
        c.Spec.Analysis.Iterations = 10;
        c.Spec.Analysis.Match =
        [
            new HttpMatchRequest { Headers = new Dictionary<string, StringMatch> { ["x-canary"] = new() { Exact = "insider" } } },
            new HttpMatchRequest { QueryParams = new Dictionary<string, StringMatch> { ["canary"] = new() { Regex = "yes|true" } } },
        ];
        c.Spec.Service.Match =
        [
            new HttpMatchRequest { Uri = new StringMatch { Prefix = "/api" } },
            new HttpMatchRequest
            {
                Uri = new StringMatch { Exact = "/login" },
                Method = new StringMatch { Exact = "POST" },
                Headers = new Dictionary<string, StringMatch> { ["x-service"] = new() { Exact = "s" } },
            },
        ];
    });

    private static Canary BlueGreen() => HttpRouteSpecTests.Podinfo(c =>
    {
        c.Spec.Analysis!.StepWeight = null;
        c.Spec.Analysis.MaxWeight = null;
        c.Spec.Analysis.Iterations = 5;
        c.Spec.Analysis.Mirror = true;
        c.Spec.Service.Headers = new HeaderOperations { Request = new HeaderOperation { Set = new Dictionary<string, string> { ["x-env"] = "prod" } } };
    });

    private static Canary SessionAffinity() => HttpRouteSpecTests.Podinfo(c =>
    {
        c.Spec.Analysis!.SessionAffinity = new SessionAffinity
        {
            CookieName = "flagger-cookie",
            PrimaryCookieName = "primary-cookie",
            MaxAge = 300,
            Domain = "example.com",
            HttpOnly = true,
            Path = "/",
            SameSite = "Lax",
        };
        c.Status = c.Status! with { SessionAffinityCookie = "flagger-cookie=cyfxihmxfb", PrimarySessionAffinityCookie = "primary-cookie=rxiyfvyedk" };
        c.Spec.Service.Timeout = "15s";
        c.Spec.Service.Match =
        [
            new HttpMatchRequest { Uri = new StringMatch { Prefix = "/" }, QueryParams = new Dictionary<string, StringMatch> { ["q"] = new() { Exact = "1" } }, Method = new StringMatch { Exact = "GET" } },
            new HttpMatchRequest { Uri = new StringMatch { Prefix = "/static" }, Headers = new Dictionary<string, StringMatch> { ["x-a"] = new() { Exact = "a" } } },
        ];
    });
}
