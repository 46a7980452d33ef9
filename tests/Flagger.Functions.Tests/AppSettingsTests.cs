using System.Reflection;
using System.Text.Json.Nodes;
using Flagger.Functions.Triggers;
using Microsoft.Azure.Functions.Worker;

namespace Flagger.Functions.Tests;

/// <summary>host.json and local.settings.sample.json: the shape Azure Functions expects and every setting we read.</summary>
public sealed class AppSettingsTests
{
    private static string RepositoryFile(string name)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, name);
            if (File.Exists(candidate) && File.Exists(Path.Combine(directory.FullName, "Flagger.Functions.sln")))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException(name);
    }

    private static JsonObject Load(string name) => JsonNode.Parse(File.ReadAllText(RepositoryFile(name)))!.AsObject();

    [Fact]
    public void HostJson_IsVersion2_WithTheHubNameFromAnAppSetting()
    {
        var host = Load("host.json");

        Assert.Equal("2.0", (string?)host["version"]);
        Assert.Equal("%TaskHubName%", (string?)host["extensions"]!["durableTask"]!["hubName"]);
        Assert.NotNull(host["logging"]!["logLevel"]!["default"]);
    }

    [Fact]
    public void LocalSettingsSample_RunsIsolatedOnDevelopmentStorage_AndDefinesEverySettingTheAppReads()
    {
        var values = Load("local.settings.sample.json")["Values"]!.AsObject();

        Assert.Equal("UseDevelopmentStorage=true", (string?)values["AzureWebJobsStorage"]);
        Assert.Equal("dotnet-isolated", (string?)values["FUNCTIONS_WORKER_RUNTIME"]);
        Assert.NotNull(values["TaskHubName"]);
        var schedule = typeof(SweepFunction).GetMethod(nameof(SweepFunction.RunAsync))!.GetParameters()
            .Select(p => p.GetCustomAttribute<TimerTriggerAttribute>()).OfType<TimerTriggerAttribute>().Single().Schedule;
        Assert.True(values.ContainsKey(schedule.Trim('%')), $"{schedule} is not in the sample");
    }

    [Fact]
    public void LocalSettingsSample_EveryOptionSetting_NamesARealOptionsProperty()
    {
        var values = Load("local.settings.sample.json")["Values"]!.AsObject();
        var options = typeof(Flagger.Infrastructure.Kubernetes.KubernetesOptions).Assembly.GetTypes()
            .Select(t => (Type: t, Section: t.GetField("Section")?.GetRawConstantValue() as string))
            .Where(t => t.Section is not null && t.Type.Name.EndsWith("Options", StringComparison.Ordinal))
            .ToDictionary(t => t.Section!, t => t.Type);

        foreach (var key in values.Select(v => v.Key).Where(k => k.Contains("__", StringComparison.Ordinal) && !k.StartsWith("Sweep__", StringComparison.Ordinal)))
        {
            var parts = key.Split("__");
            Assert.True(options.TryGetValue(parts[0], out var type), $"{key}: no options section {parts[0]}");
            Assert.True(type!.GetProperty(parts[1]) is not null, $"{key}: {type.Name} has no {parts[1]}");
        }

        Assert.All(options.Keys, section => Assert.Contains(values, v => v.Key.StartsWith(section + "__", StringComparison.Ordinal)));
    }
}
