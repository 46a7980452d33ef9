using System.Reflection;
using System.Text.Json;

namespace Flagger.Host.Tests;

/// <summary>
/// Flagger.Host shares the rollout library with the Function App; it must never reach into the Function App
/// itself (an Exe built by the Functions Worker SDK, with its own generated entry point and bindings).
/// </summary>
public class ArchitectureTests
{
    [Fact]
    public void FlaggerHost_ProjectDependencies_IncludeRolloutsButNotTheFunctionApp()
    {
        // deps.json lists project references even when no type of theirs is used, unlike assembly metadata.
        var dependencies = HostDependencies();

        Assert.Contains("Flagger.Rollouts", dependencies);
        Assert.DoesNotContain("Flagger.Functions", dependencies);
    }

    [Fact]
    public void FlaggerHost_AssemblyReferences_DoNotNameTheFunctionAppOrTheWorkerSdk()
    {
        var references = typeof(FlaggerHost).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.Contains("Flagger.Rollouts", references);
        Assert.DoesNotContain(references, name => name == "Flagger.Functions" || name.StartsWith("Microsoft.Azure.Functions.Worker", StringComparison.Ordinal));
    }

    private static HashSet<string> HostDependencies()
    {
        var depsFile = Path.Combine(AppContext.BaseDirectory, Assembly.GetExecutingAssembly().GetName().Name + ".deps.json");
        using var deps = JsonDocument.Parse(File.ReadAllText(depsFile));
        var target = deps.RootElement.GetProperty("targets").EnumerateObject().First().Value;
        var host = target.EnumerateObject().Single(library => library.Name.StartsWith("Flagger.Host/", StringComparison.Ordinal)).Value;
        return host.GetProperty("dependencies").EnumerateObject()
            .Select(dependency => dependency.Name)
            .ToHashSet(StringComparer.Ordinal);
    }
}
