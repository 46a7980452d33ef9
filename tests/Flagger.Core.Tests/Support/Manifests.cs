namespace Flagger.Core.Tests.Support;

/// <summary>The YAML corpus in <c>Manifests/</c>, copied next to the test assembly.</summary>
public static class Manifests
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Manifests");

    public static IEnumerable<string> FileNames =>
        System.IO.Directory.EnumerateFiles(Directory, "*.yaml").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    public static string Read(string fileName) => File.ReadAllText(Path.Combine(Directory, fileName));
}
