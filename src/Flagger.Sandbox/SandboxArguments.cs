namespace Flagger.Sandbox;

/// <summary>The command line of the sandbox run on its own.</summary>
internal sealed record SandboxArguments(string WorkDirectory, bool ABTesting, bool BlueGreen)
{
    /// <summary>The arguments, or null when they are not understood.</summary>
    public static SandboxArguments? Parse(IReadOnlyList<string> args)
    {
        string? workDirectory = null;
        bool abTesting = false, blueGreen = false;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--work-dir" when i + 1 < args.Count:
                    workDirectory = args[++i];
                    break;
                case "--ab-testing":
                    abTesting = true;
                    break;
                case "--blue-green":
                    blueGreen = true;
                    break;
                default:
                    return null;
            }
        }

        return workDirectory is null ? null : new SandboxArguments(workDirectory, abTesting, blueGreen);
    }
}
