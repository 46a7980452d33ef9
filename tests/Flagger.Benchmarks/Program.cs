using BenchmarkDotNet.Running;
using Flagger.Benchmarks.Scale;

if (args.Length > 0 && args[0] == ScaleRun.Command)
{
    return await ScaleRun.MainAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
