using System.Reflection;

namespace Flagger.Deploy.Tests;

/// <summary>The repository's own files (infra/, test fixtures), found from the test assembly's folder.</summary>
public static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    public static string Infra => Path.Combine(Root, "infra");

    public static string KubernetesManifests => Path.Combine(Infra, "kubernetes");

    /// <summary>The Flagger manifest corpus of the model tests.</summary>
    public static string CoreFixtures => Path.Combine(Root, "tests", "Flagger.Core.Tests", "Manifests");

    /// <summary>The Bicep CLI of the Azure.Bicep.CommandLine package, as its build props name it.</summary>
    public static string BicepPath
    {
        get
        {
            var path = typeof(RepositoryFiles).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(a => a.Key == "BicepPath").Value;
            return string.IsNullOrEmpty(path)
                ? throw new InvalidOperationException("BicepPath is empty: the Azure.Bicep.CommandLine.linux-x64 package did not restore")
                : Path.GetFullPath(path.Replace('\\', '/'));
        }
    }

    /// <summary>Files under <paramref name="directory"/> with one of the extensions, relative to the root, sorted.</summary>
    public static IEnumerable<string> Under(string directory, params string[] extensions) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Where(f => extensions.Contains(Path.GetExtension(f), StringComparer.Ordinal))
            .Select(f => Path.GetRelativePath(Root, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Flagger.Functions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no Flagger.Functions.sln above {AppContext.BaseDirectory}");
    }
}
