namespace Flagger.Sandbox;

/// <summary>Where a program lies on <c>PATH</c>, as a shell would find it.</summary>
internal static class ExecutablePath
{
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
