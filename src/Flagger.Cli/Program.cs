using Flagger.Cli;
using Spectre.Console;

var output = AnsiConsole.Console;
var error = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
foreach (var (console, redirected) in new[] { (output, Console.IsOutputRedirected), (error, Console.IsErrorRedirected) })
{
    if (redirected)
    {
        // A pipe or a CI log has no width: one line per change stays one line.
        console.Profile.Width = 4096;
    }
}

return await new FlaggerCtl(new CliConsoles(output, error), Environment.GetEnvironmentVariable, TimeProvider.System).RunAsync(args);
