using Flagger.Core.Ports;
using Flagger.Infrastructure.Registry;
using Flagger.Testing.Registry;
using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Flagger.Infrastructure.Tests.Registry;

public sealed class RegistryRegistrationTests
{
    [Fact]
    public void AddRegistryEvents_WithItsDependencies_ResolvesTheWebhookAndBindsOptions()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Registry:WatchNamespaces"] = "test,prod",
            ["Registry:LabelSelector"] = "delivery=ours",
        }).Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddSingleton<IRolloutStore, InMemoryRolloutStore>()
            .AddSingleton<IRolloutScheduler, RecordingRolloutScheduler>()
            .AddSingleton<IEventRecorder, RecordingEventRecorder>()
            .AddSingleton<IKubernetes>(new k8s.Kubernetes(new KubernetesClientConfiguration { Host = "http://kubernetes.invalid" }))
            .AddRegistryEvents();
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        Assert.NotNull(provider.GetRequiredService<RegistryWebhook>());
        Assert.IsType<KubernetesCanaryCatalog>(provider.GetRequiredService<ICanaryCatalog>());
        var options = provider.GetRequiredService<IOptions<RegistryOptions>>().Value;
        Assert.Equal(["prod", "test"], options.Namespaces().Order(StringComparer.Ordinal));
        Assert.Equal("delivery=ours", options.LabelSelector);
    }

    private static ServiceProvider Provider(Dictionary<string, string?> settings) => new ServiceCollection()
        .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
        .AddLogging()
        .AddSingleton<IRolloutStore, InMemoryRolloutStore>()
        .AddSingleton<IRolloutScheduler, RecordingRolloutScheduler>()
        .AddSingleton<IEventRecorder, RecordingEventRecorder>()
        .AddSingleton<IKubernetes>(new k8s.Kubernetes(new KubernetesClientConfiguration { Host = "http://kubernetes.invalid" }))
        .AddRegistryEvents()
        .BuildServiceProvider();

    [Fact]
    public void AddRegistryEvents_GitOpsSettings_BindAsWrittenInTheSample_AndDefaultToSkip()
    {
        using var set = Provider(new() { ["Registry:GitOpsTargets"] = "patch", ["Registry:GitOpsLabels"] = "app.kubernetes.io/instance, example.com/synced" });
        using var unset = Provider([]);

        set.GetRequiredService<IStartupValidator>().Validate();
        var options = set.GetRequiredService<IOptions<RegistryOptions>>().Value;
        Assert.Equal(Flagger.Core.Registry.GitOpsTargets.Patch, options.GitOpsTargets);
        Assert.Equal(["app.kubernetes.io/instance", "example.com/synced"], options.GitOpsLabelKeys());
        Assert.Equal(Flagger.Core.Registry.GitOpsTargets.Skip, unset.GetRequiredService<IOptions<RegistryOptions>>().Value.GitOpsTargets);
    }

    [Fact]
    public void AddRegistryEvents_UnknownGitOpsTargetsValue_FailsAtStartup()
    {
        using var provider = Provider(new() { ["Registry:GitOpsTargets"] = "sometimes" });

        var e = Assert.ThrowsAny<Exception>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("GitOpsTargets", e.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "anything", true)]
    [InlineData("", "anything", true)]
    [InlineData(" , ", "anything", true)]
    [InlineData("test", "test", true)]
    [InlineData("test", "prod", false)]
    [InlineData(" test , prod ", "prod", true)]
    [InlineData("Test", "test", false)]
    public void Watches_Namespace_FollowsTheCommaSeparatedSetting(string? setting, string ns, bool watched)
    {
        Assert.Equal(watched, new RegistryOptions { WatchNamespaces = setting }.Watches(ns));
    }
}
