using Flagger.Infrastructure;
using Flagger.Sandbox.Kubernetes;
using Flagger.Testing.Azurite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Flagger.Host.Tests;

/// <summary>
/// A host given a bad setting exits at once with <see cref="InvalidSettings.ExitCode"/> and a message naming the
/// setting as the user writes it (<c>Host__RolloutInterval</c>), before and after the durable backend starts.
/// </summary>
public sealed class HostSettingsTests
{
    /// <summary>No cluster is reached: the host must fail on its settings before it needs one.</summary>
    private const string NoKubeconfig = "/nonexistent/kubeconfig";

    [Fact]
    public async Task HostProcess_RolloutIntervalNotADuration_ExitsWithTheSettingAndValue_BeforeNeedingStorage()
    {
        var (exitCode, output) = await HostProcess.RunToExitAsync(new Dictionary<string, string>
        {
            ["Kubernetes__Kubeconfig"] = NoKubeconfig,
            ["Host__RolloutInterval"] = "-5s",
        });

        Assert.True(exitCode == InvalidSettings.ExitCode, $"exit {exitCode}: {output}");
        Assert.Contains("Host__RolloutInterval must be a duration", output, StringComparison.Ordinal);
        Assert.Contains("got \"-5s\"", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostProcess_BadAdapterSettings_ExitsNamingEach_WithoutEchoingASecret()
    {
        await using var azurite = await AzuriteServer.StartAsync();
        // A cluster the host can build its client for: the hosted services are resolved before the settings check.
        await using var cluster = await FakeKubernetesApiServer.StartAsync();

        var (exitCode, output) = await HostProcess.RunToExitAsync(new Dictionary<string, string>
        {
            ["Kubernetes__Kubeconfig"] = cluster.KubeconfigPath,
            ["StateStore__ConnectionString"] = azurite.ConnectionString,
            ["Host__TaskHubName"] = "settingstest",
            ["Registry__WatchNamespaces"] = "prod,Staging_1",
            ["Alerts__SlackUrl"] = "hooks.slack.example/T000/secret-token-42",
        });

        Assert.True(exitCode == InvalidSettings.ExitCode, $"exit {exitCode}: {output}");
        Assert.Contains("Registry__WatchNamespaces must be comma-separated namespace names", output, StringComparison.Ordinal);
        Assert.Contains("got \"prod,Staging_1\"", output, StringComparison.Ordinal);
        Assert.Contains("Alerts__SlackUrl must be an absolute http or https URL", output, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-token-42", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Host:RolloutInterval", "-00:00:05", "Host__RolloutInterval must be a positive duration, got \"-00:00:05\"")]
    [InlineData("Host:SweepInterval", "00:00:00", "Host__SweepInterval must be a positive duration, got \"00:00:00\"")]
    [InlineData("Host:PartitionCount", "17", "Host__PartitionCount must be between 1 and 16, got \"17\"")]
    [InlineData("Host:MaxConcurrentActivities", "many", "Host__MaxConcurrentActivities must be a whole number, got \"many\"")]
    [InlineData("Host:TaskHubName", "flagger-hub", "Host__TaskHubName must start with a letter and hold 3 to 45 letters and digits")]
    [InlineData("Host:DurableAccountName", "My_Account", "Host__DurableAccountName must be a storage account name")]
    public void Read_BadHostSetting_FailsNamingIt(string key, string value, string expected)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Read(new() { [key] = value }));

        Assert.Contains(error.Failures, failure => failure.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Read_ConnectionStringAndAccountName_FailsNamingBoth_WithoutEchoingTheConnectionString()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Read(new()
        {
            ["Host:DurableConnectionString"] = "AccountName=a;AccountKey=c2VjcmV0;",
            ["Host:DurableAccountName"] = "flaggerstate",
        }));

        var failure = Assert.Single(error.Failures);
        Assert.Equal("Set at most one of Host__DurableConnectionString and Host__DurableAccountName", failure);
    }

    [Fact]
    public void Storage_NoAccountAnywhere_FailsNamingTheThreeSettings()
    {
        var error = Assert.Throws<OptionsValidationException>(() => DurableSidecar.Storage(new FlaggerHostOptions(), stateStoreConnectionString: null));

        Assert.Contains("Host__DurableConnectionString, Host__DurableAccountName or StateStore__ConnectionString is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Storage_AccountName_ReachesThatAccountsQueuesWithAnIdentity()
    {
        var storage = DurableSidecar.Storage(new FlaggerHostOptions { DurableAccountName = "flaggerstate" }, stateStoreConnectionString: "UseDevelopmentStorage=true");

        var queues = storage.Queue.CreateClient(new Azure.Storage.Queues.QueueClientOptions());
        Assert.Equal("flaggerstate.queue.core.windows.net", queues.Uri.Host);
    }

    private static FlaggerHostOptions Read(Dictionary<string, string?> values) =>
        Settings.Read<FlaggerHostOptions>(new ConfigurationBuilder().AddInMemoryCollection(values).Build(), FlaggerHostOptions.Section);
}
