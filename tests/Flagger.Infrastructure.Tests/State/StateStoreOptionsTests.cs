using Flagger.Core.Ports;
using Flagger.Infrastructure.State;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Flagger.Infrastructure.Tests.State;

public sealed class StateStoreOptionsTests
{
    private const string Azurite = "UseDevelopmentStorage=true";

    [Fact]
    public void AddTableState_ConnectionString_ResolvesTheTableStoreWithDefaults()
    {
        using var provider = Build(new() { ["StateStore:ConnectionString"] = Azurite, ["StateStore:TablePrefix"] = "ci42" });

        provider.GetRequiredService<IStartupValidator>().Validate();

        Assert.IsType<TableRolloutStore>(provider.GetRequiredService<IRolloutStore>());
        Assert.Same(provider.GetRequiredService<IRolloutStore>(), provider.GetRequiredService<ITickStateReader>());
        var options = provider.GetRequiredService<IOptions<StateStoreOptions>>().Value;
        Assert.Equal("ci42", options.TablePrefix);
        Assert.Equal(TimeSpan.FromDays(14), options.HistoryRetention);
        Assert.Equal(TimeSpan.FromDays(2), options.DeliveryTtl);
    }

    [Fact]
    public void AddTableState_AnotherStoreRegisteredFirst_ReadsTheTickStateFromTheStoreAndTheInboxApart()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["StateStore:ConnectionString"] = Azurite }).Build());
        services.AddLogging();
        services.AddSingleton<IRolloutStore, Flagger.Testing.Registry.InMemoryRolloutStore>();
        services.AddTableState();
        using var provider = services.BuildServiceProvider();

        Assert.IsType<SeparateTickStateReader>(provider.GetRequiredService<ITickStateReader>());
    }

    [Theory]
    [InlineData(null, null, null, "exactly one of StateStore__ConnectionString and StateStore__ServiceUri")]
    [InlineData(Azurite, "https://account.table.core.windows.net", null, "exactly one of StateStore__ConnectionString and StateStore__ServiceUri")]
    [InlineData(Azurite, null, "1-bad", "StateStore__TablePrefix must be empty or start with a letter")]
    [InlineData(Azurite, null, "under_score", "StateStore__TablePrefix must be empty or start with a letter")]
    public void AddTableState_InvalidSettings_FailsAtStartNamingTheSetting(string? connectionString, string? serviceUri, string? prefix, string expected)
    {
        using var provider = Build(new()
        {
            ["StateStore:ConnectionString"] = connectionString,
            ["StateStore:ServiceUri"] = serviceUri,
            ["StateStore:TablePrefix"] = prefix,
        });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddTableState_NonPositiveRetention_FailsAtStart()
    {
        using var provider = Build(new() { ["StateStore:ConnectionString"] = Azurite, ["StateStore:HistoryRetention"] = "00:00:00" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("StateStore__HistoryRetention must be a positive duration, got \"00:00:00\"", error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging();
        services.AddTableState();
        return services.BuildServiceProvider();
    }
}
