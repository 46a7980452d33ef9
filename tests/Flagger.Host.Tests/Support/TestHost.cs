using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Flagger.Host.Testing;

/// <summary>
/// Flagger.Host built as <c>Program</c> builds it and started in the test's process on a free loopback port,
/// warnings only in its log unless the test says otherwise. Linked into the CLI tests too, which drive the same host.
/// </summary>
public static class TestHost
{
    private static readonly Dictionary<string, string?> s_defaults = new()
    {
        ["Logging:LogLevel:Default"] = "Warning",
    };

    /// <summary>Starts the host with <paramref name="settings"/>.</summary>
    public static async Task<WebApplication> StartAsync(IReadOnlyDictionary<string, string?> settings)
    {
        var host = await FlaggerHost.BuildAsync([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(s_defaults.Where(d => !settings.ContainsKey(d.Key)).Concat(settings));
        });
        await host.StartAsync();
        return host;
    }

    /// <summary>The address the started host listens on.</summary>
    public static Uri AddressOf(WebApplication host) =>
        new(host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
}
