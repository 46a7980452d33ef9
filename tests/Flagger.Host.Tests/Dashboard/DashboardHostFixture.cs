using System.Text.Json.Nodes;
using Flagger.Core.Model;
using Flagger.Host.Testing;
using Flagger.Sandbox;
using Flagger.Testing.Azurite;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using PuppeteerSharp;

namespace Flagger.Host.Tests.Dashboard;

/// <summary>
/// Flagger.Host in sandbox mode (simulated cluster, live traffic, real Prometheus) on Azurite, with an API key and
/// two-second ticks, and the system's headless Chromium driven by PuppeteerSharp. The sample canary steps by 5%
/// up to 80%, so a rollout stays Progressing for about half a minute: time to look at it and abort it.
/// </summary>
public sealed class DashboardHostFixture : IAsyncLifetime
{
    public const string ApiKey = "dashboard-test-key";

    public AzuriteServer Azurite { get; private set; } = null!;

    public WebApplication Host { get; private set; } = null!;

    public SandboxCluster Sandbox => Host.Services.GetRequiredService<SandboxCluster>();

    public Uri Address { get; private set; } = null!;

    /// <summary>The API with the key.</summary>
    public HttpClient Http { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // The browser first: without Chromium nothing here can run, and the message says how to get it.
        Browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = Chromium(),
            Headless = true,
            // Chromium's sandbox refuses to run as root (CI and these machines run as root).
            Args = Environment.UserName == "root" ? ["--no-sandbox"] : [],
            DefaultViewport = new ViewPortOptions { Width = 1280, Height = 900 },
        });
        Azurite = await AzuriteServer.StartAsync();
        Host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["StateStore:ConnectionString"] = Azurite.ConnectionString,
            ["Sandbox:Enabled"] = "true",
            ["Host:ApiKey"] = ApiKey,
            ["Host:TaskHubName"] = "dashboard",
            ["Host:SweepInterval"] = "00:00:02",
            ["Host:RolloutInterval"] = "00:00:02",
        });
        Address = TestHost.AddressOf(Host);
        Http = new HttpClient { BaseAddress = Address };
        Http.DefaultRequestHeaders.Add(HostEndpoints.ApiKeyHeader, ApiKey);

        using var client = Sandbox.CreateClient();
        var patch = new JsonObject { ["spec"] = new JsonObject { ["analysis"] = new JsonObject { ["stepWeight"] = 5, ["maxWeight"] = 80 } } };
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), FlaggerApi.Group, FlaggerApi.Version, Sandbox.Namespace, Canary.KubePlural, "podinfo");
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
            Browser.Dispose();
        }

        Http?.Dispose();
        if (Host is not null)
        {
            await Host.StopAsync();
            await Host.DisposeAsync();
        }

        if (Azurite is not null)
        {
            await Azurite.DisposeAsync();
        }
    }

    /// <summary>Where screenshots go: the test results directory, as scripts/test sets it.</summary>
    public static string ResultsDirectory()
    {
        var configured = Environment.GetEnvironmentVariable("TEST_RESULTS_DIR");
        if (!string.IsNullOrEmpty(configured))
        {
            Directory.CreateDirectory(configured);
            return configured;
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Flagger.Functions.sln")))
            {
                return Directory.CreateDirectory(Path.Combine(directory.FullName, ".artifacts", "test-results")).FullName;
            }
        }

        throw new DirectoryNotFoundException($"no Flagger.Functions.sln above {AppContext.BaseDirectory}: set TEST_RESULTS_DIR");
    }

    /// <summary>Debian's Chromium on PATH; PuppeteerSharp is never allowed to download one.</summary>
    private static string Chromium() =>
        new[] { "chromium", "chromium-browser" }
            .SelectMany(name => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, name)))
            .FirstOrDefault(File.Exists)
        ?? throw new FileNotFoundException("chromium is not on PATH: the dashboard tests need it (scripts/lib.sh install_chromium: apt-get install chromium)");
}
