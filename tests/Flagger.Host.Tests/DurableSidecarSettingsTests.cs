using DurableTask.AzureStorage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flagger.Host.Tests;

public sealed class DurableSidecarSettingsTests
{
    private const string Connection = "UseDevelopmentStorage=true";

    [Fact]
    public void Settings_HostKeysSet_ReachTheAzureStorageProvider()
    {
        var options = Bind(new Dictionary<string, string?>
        {
            ["Host:MaxConcurrentActivities"] = "64",
            ["Host:MaxConcurrentOrchestrations"] = "300",
            ["Host:PartitionCount"] = "8",
            ["Host:TaskHubName"] = "scalehub",
        });

        var settings = DurableSidecar.Settings(new StorageAccountClientProvider(Connection), options, NullLoggerFactory.Instance);

        Assert.Equal(64, settings.MaxConcurrentTaskActivityWorkItems);
        Assert.Equal(300, settings.MaxConcurrentTaskOrchestrationWorkItems);
        Assert.Equal(8, settings.PartitionCount);
        Assert.Equal("scalehub", settings.TaskHubName);
    }

    [Fact]
    public void Settings_HostKeysUnset_KeepTheProviderDefaults()
    {
        var defaults = new DurableTask.AzureStorage.AzureStorageOrchestrationServiceSettings();

        var settings = DurableSidecar.Settings(new StorageAccountClientProvider(Connection), Bind([]), NullLoggerFactory.Instance);

        Assert.Equal(defaults.MaxConcurrentTaskActivityWorkItems, settings.MaxConcurrentTaskActivityWorkItems);
        Assert.Equal(defaults.MaxConcurrentTaskOrchestrationWorkItems, settings.MaxConcurrentTaskOrchestrationWorkItems);
        Assert.Equal(defaults.PartitionCount, settings.PartitionCount);
    }

    private static FlaggerHostOptions Bind(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection(FlaggerHostOptions.Section).Get<FlaggerHostOptions>()
        ?? new FlaggerHostOptions();
}
