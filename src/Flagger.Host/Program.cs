using Flagger.Host;
using Microsoft.Extensions.Options;

try
{
    var demo = args.Contains(SandboxDemo.Argument);
    var app = await FlaggerHost.BuildAsync([.. args.Where(a => a != SandboxDemo.Argument)]);
    if (!demo)
    {
        await app.RunAsync();
        return 0;
    }

    await app.StartAsync();
    var exitCode = await SandboxDemo.RunAsync(app, Console.Out, app.Lifetime.ApplicationStopping);
    await app.StopAsync();
    return exitCode;
}
catch (Exception e) when (InvalidSettings.Of(e) is { Count: > 0 } failures)
{
    // A bad setting: say which, as the user wrote it, rather than a stack trace.
    await Console.Error.WriteLineAsync($"Flagger.Host did not start: invalid settings{Environment.NewLine}  {string.Join($"{Environment.NewLine}  ", failures)}");
    return InvalidSettings.ExitCode;
}
