using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Core.Registry;
using Flagger.Rollouts.Api;
using Flagger.Sandbox;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Flagger.Host;

/// <summary>
/// The one-command demonstration (<c>--demo</c>): two registry pushes into the sandbox, each followed live in
/// the terminal through the host's own HTTP API. A good image must be promoted, a bad one rolled back.
/// </summary>
public static class SandboxDemo
{
    public const string Argument = "--demo";
    private const string Namespace = "test";
    private const string Name = "podinfo";
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public static async Task<int> RunAsync(WebApplication app, TextWriter output, CancellationToken cancellationToken)
    {
        var sandbox = app.Services.GetService<SandboxCluster>()
            ?? throw new InvalidOperationException("--demo runs on the sandbox: leave Kubernetes__Kubeconfig unset");
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var http = new HttpClient { BaseAddress = new Uri(address) };
        var key = app.Configuration["Host:ApiKey"];
        if (!string.IsNullOrEmpty(key))
        {
            http.DefaultRequestHeaders.Add(HostEndpoints.ApiKeyHeader, key);
        }

        output.WriteLine($"Sandbox: kubeconfig {sandbox.KubeconfigPath}, Prometheus {sandbox.PrometheusAddress}, API {address}");
        output.WriteLine("Waiting for the canary to initialize (primary created, traffic on the HTTPRoute)...");
        await FollowAsync(http, sandbox, output, CanaryPhase.Initialized, cancellationToken);
        await AllowPreReleaseTagsAsync(sandbox, cancellationToken);

        var good = await PushAndFollowAsync(http, sandbox, output, "6.1.0", expected: CanaryPhase.Succeeded, cancellationToken);
        var bad = await PushAndFollowAsync(http, sandbox, output, "6.2.0-bad", expected: CanaryPhase.Failed, cancellationToken);

        output.WriteLine();
        output.WriteLine("History:");
        var history = await http.GetFromJsonAsync<HistoryPage>($"/api/canaries/{Namespace}/{Name}/history?pageSize=100", s_json, cancellationToken);
        foreach (var entry in history!.Entries.Reverse())
        {
            output.WriteLine($"  #{entry.Sequence,-3} {entry.At:HH:mm:ss} {entry.Phase,-16} {entry.CanaryWeight,3}%  {entry.Message}");
        }

        output.WriteLine();
        output.WriteLine(good && bad
            ? "OK: the good image was promoted and the bad one rolled back."
            : $"FAILED: good image promoted: {good}; bad image rolled back: {bad}.");
        return good && bad ? 0 : 1;
    }

    /// <summary>The bad image's tag is a pre-release (it carries "bad"), which the default semver policy refuses.</summary>
    private static async Task AllowPreReleaseTagsAsync(SandboxCluster sandbox, CancellationToken cancellationToken)
    {
        using var client = sandbox.CreateClient();
        var patch = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [ImagePolicy.Annotation] = @"regex:^6\." } } };
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch),
            FlaggerApi.Group, FlaggerApi.Version, Namespace, Canary.KubePlural, Name, cancellationToken: cancellationToken);
    }

    private static async Task<bool> PushAndFollowAsync(HttpClient http, SandboxCluster sandbox, TextWriter output, string tag, CanaryPhase expected, CancellationToken cancellationToken)
    {
        output.WriteLine();
        output.WriteLine($"Pushing contosoacr.azurecr.io/podinfo:{tag} (expecting {expected})");
        var response = await http.PostAsync("/api/registry/events", new StringContent(RegistryPush.EventGridEvent("podinfo", tag), Encoding.UTF8, "application/json"), cancellationToken);
        output.WriteLine($"  registry webhook: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        var reached = await FollowAsync(http, sandbox, output, null, cancellationToken);
        return reached == expected;
    }

    /// <summary>Prints each change until the canary settles (or reaches <paramref name="until"/>).</summary>
    private static async Task<CanaryPhase?> FollowAsync(HttpClient http, SandboxCluster sandbox, TextWriter output, CanaryPhase? until, CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        var last = "";
        var sawRun = until is not null;
        while (DateTime.UtcNow - started < TimeSpan.FromMinutes(5))
        {
            var view = sandbox.View(Name);
            var detail = await TryGetAsync(http, cancellationToken);
            var line = Describe(view, detail, sandbox);
            if (line != last)
            {
                output.WriteLine($"  [{(DateTime.UtcNow - started).TotalSeconds,5:0}s] {line}");
                last = line;
            }

            var phase = view.Phase;
            sawRun |= phase is CanaryPhase.Progressing or CanaryPhase.Waiting;
            if (until is not null && phase == until)
            {
                return phase;
            }

            if (until is null && sawRun && phase is CanaryPhase.Succeeded or CanaryPhase.Failed)
            {
                return phase;
            }

            await Task.Delay(1000, cancellationToken);
        }

        output.WriteLine("  timed out after 5 minutes");
        return null;
    }

    private static async Task<CanaryDetail?> TryGetAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var response = await http.GetAsync($"/api/canaries/{Namespace}/{Name}", cancellationToken);
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<CanaryDetail>(s_json, cancellationToken) : null;
    }

    private static string Describe(CanaryView view, CanaryDetail? detail, SandboxCluster sandbox)
    {
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"{view.Phase?.ToString() ?? "-",-16}");
        if (view.Route is { } route)
        {
            text.Append(CultureInfo.InvariantCulture, $" primary {route.Primary,3}% canary {route.Canary,3}%{(route.Mirrored ? " (mirrored)" : "")}");
        }

        text.Append(CultureInfo.InvariantCulture, $"  failed checks {view.FailedChecks}");
        foreach (var check in detail?.LastChecks ?? [])
        {
            var range = check.Range is { } r ? $" [{r.Min?.ToString(CultureInfo.InvariantCulture) ?? ""}..{r.Max?.ToString(CultureInfo.InvariantCulture) ?? ""}]" : "";
            var value = check.Value is { } v ? v.ToString("0.##", CultureInfo.InvariantCulture) : "-";
            text.Append(CultureInfo.InvariantCulture, $"  {check.Name} {value}{range} {(check.Verdict == CheckVerdict.Failed ? "FAIL" : "ok")}");
        }

        var traffic = sandbox.Traffic.Recent(TimeSpan.FromSeconds(10));
        foreach (var workload in traffic.Workloads.Where(w => w.Namespace == Namespace && w.Deployment is Name or $"{Name}-primary" && w.Requests > 0))
        {
            text.Append(CultureInfo.InvariantCulture, $"  {workload.Deployment}: {workload.Requests} req {workload.ErrorRate:P1} 5xx {workload.MeanLatencyMilliseconds:0}ms");
        }

        return text.ToString();
    }
}
