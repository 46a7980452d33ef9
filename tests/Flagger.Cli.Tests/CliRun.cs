using Flagger.Cli;
using Spectre.Console.Testing;

namespace Flagger.Cli.Tests;

/// <summary>One flaggerctl invocation on test consoles: its exit code, what it wrote to stdout and to stderr.</summary>
public sealed record CliRun(int ExitCode, string Output, string Error)
{
    /// <param name="terminal">An interactive console that understands ANSI (a terminal) instead of a redirected one.</param>
    public static async Task<CliRun> RunAsync(Func<string, string?> environment, CancellationToken cancellationToken, bool terminal, params string[] args)
    {
        var output = new TestConsole().Width(400);
        if (terminal)
        {
            output.Interactive().EmitAnsiSequences();
        }

        var error = new TestConsole().Width(400);
        var ctl = new FlaggerCtl(new CliConsoles(output, error), environment, TimeProvider.System)
        {
            User = "cli-tests",
            DefaultPoll = TimeSpan.FromMilliseconds(500),
        };
        var code = await ctl.RunAsync(args, cancellationToken);
        return new CliRun(code, output.Output, error.Output);
    }

    public static Task<CliRun> RunAsync(Func<string, string?> environment, CancellationToken cancellationToken, params string[] args) =>
        RunAsync(environment, cancellationToken, terminal: false, args);

    public static Task<CliRun> RunAsync(params string[] args) => RunAsync(_ => null, CancellationToken.None, args);

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
}
