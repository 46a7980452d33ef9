using Flagger.Host;

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
