using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Flagger.Core.Model;
using Flagger.Functions.Triggers;
using Flagger.Rollouts;
using Flagger.Sandbox.Kubernetes;
using Flagger.Testing.Canaries;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Flagger.Functions.Tests;

/// <summary>
/// The dashboard's functions, run as the worker's ASP.NET Core integration runs them (the function's method, its
/// IActionResult written to a response): the page and the Canary's events, from the Function App's own container.
/// </summary>
public sealed partial class DashboardFunctionTests
{
    private static HttpTriggerAttribute Trigger(Type type, string method) =>
        type.GetMethod(method)!.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).OfType<HttpTriggerAttribute>().Single();

    private static async Task<(int Status, IHeaderDictionary Headers, string Body)> RunAsync(IActionResult result)
    {
        var context = new DefaultHttpContext();
        using var body = new MemoryStream();
        context.Response.Body = body;
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));
        return (context.Response.StatusCode, context.Response.Headers, Encoding.UTF8.GetString(body.ToArray()));
    }

    [Fact]
    public void Dashboard_IsAGetBehindAFunctionKey_BesideTheApi()
    {
        var trigger = Trigger(typeof(DashboardFunction), nameof(DashboardFunction.Page));

        Assert.Equal(AuthorizationLevel.Function, trigger.AuthLevel);
        Assert.Equal(["get"], trigger.Methods!);
        Assert.Equal("dashboard", trigger.Route);
        Assert.Equal(AuthorizationLevel.Function, Trigger(typeof(CanaryApiFunctions), nameof(CanaryApiFunctions.EventsAsync)).AuthLevel);
    }

    [Fact]
    public async Task Dashboard_ServesThePage_WithItsOwnScriptAndStyleAllowedByHashAndNothingFromElsewhere()
    {
        var (status, headers, body) = await RunAsync(new DashboardFunction().Page(new DefaultHttpContext().Request));

        Assert.Equal(200, status);
        Assert.Equal("text/html; charset=utf-8", headers.ContentType);
        Assert.Equal("no-store", headers.CacheControl);
        Assert.Equal("no-referrer", headers["Referrer-Policy"]);
        var script = Assert.Single(InlineScript().Matches(body)).Groups[1].Value;
        var style = Assert.Single(InlineStyle().Matches(body)).Groups[1].Value;
        var policy = headers.ContentSecurityPolicy.ToString();
        Assert.Contains($"script-src 'sha256-{Sha256(script)}'", policy, StringComparison.Ordinal);
        Assert.Contains($"style-src 'sha256-{Sha256(style)}'", policy, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", policy, StringComparison.Ordinal);
        // The script reads the key from the page's address and sends it to the API as the Functions header.
        Assert.Contains("params.get('code')", script, StringComparison.Ordinal);
        Assert.Contains("'x-functions-key'", script, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(src|href)\s*=\s*[""']?(https?:)?//", body);
    }

    [Fact]
    public async Task CanaryEvents_AnswersTheCanarysEventsFromTheCluster_404ForAnUnknownCanary_400ForANonName()
    {
        await using var cluster = await FakeKubernetesApiServer.StartAsync();
        var canary = cluster.Seed(Podinfo.Canary().Build());
        cluster.Seed(new Corev1Event
        {
            ApiVersion = "v1",
            Kind = "Event",
            Metadata = new V1ObjectMeta { Name = "podinfo.1", NamespaceProperty = "test" },
            InvolvedObject = new V1ObjectReference { ApiVersion = FlaggerApi.GroupVersion, Kind = Canary.KubeKind, Name = "podinfo", NamespaceProperty = "test", Uid = canary.Metadata.Uid },
            Reason = "Synced",
            Type = "Warning",
            Message = "Halt advancement no values found for builtin metric request-success-rate",
            Count = 4,
            LastTimestamp = DateTime.UtcNow,
        });
        using var host = FunctionAppComposition.Build(cluster);
        var functions = ActivatorUtilities.CreateInstance<CanaryApiFunctions>(host.Services);
        var request = new DefaultHttpContext().Request;

        var (status, _, body) = await RunAsync(await functions.EventsAsync(request, "test", "podinfo", CancellationToken.None));

        Assert.Equal(200, status);
        var shown = Assert.Single(JsonDocument.Parse(body).RootElement.EnumerateArray());
        Assert.Equal(
            ("Warning", "Synced", "Halt advancement no values found for builtin metric request-success-rate", 4),
            (shown.GetProperty("type").GetString(), shown.GetProperty("reason").GetString(), shown.GetProperty("message").GetString(), shown.GetProperty("count").GetInt32()));
        Assert.Equal(404, (await RunAsync(await functions.EventsAsync(request, "test", "missing", CancellationToken.None))).Status);
        Assert.Equal(400, (await RunAsync(await functions.EventsAsync(request, "test", "Not_A_Name", CancellationToken.None))).Status);
    }

    private static string Sha256(string text) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    [GeneratedRegex("<script>(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex InlineScript();

    [GeneratedRegex("<style>(.*?)</style>", RegexOptions.Singleline)]
    private static partial Regex InlineStyle();
}
