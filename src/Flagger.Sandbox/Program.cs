using System.Runtime.InteropServices;

namespace Flagger.Sandbox;

/// <summary>The sandbox on its own: <c>dotnet Flagger.Sandbox.dll --work-dir DIR [--ab-testing] [--blue-green]</c>. The
/// cluster is kept in DIR, so started again on it, it is the same cluster at the same address; Prometheus dies with it.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var arguments = SandboxArguments.Parse(args);
        if (arguments is null)
        {
            Console.Error.WriteLine("usage: Flagger.Sandbox --work-dir DIR [--ab-testing] [--blue-green]");
            return 2;
        }

        using var stop = new CancellationTokenSource();
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        await using var sandbox = await SandboxCluster.StartAsync(new SandboxOptions
        {
            WorkDirectory = arguments.WorkDirectory,
            KeepState = true,
            ABTesting = arguments.ABTesting,
            BlueGreen = arguments.BlueGreen,
        });

        new RunningSandbox(Environment.ProcessId, sandbox.KubeconfigPath, sandbox.ApiServer.BaseAddress, sandbox.PrometheusAddress)
            .Write(sandbox.WorkDirectory);
        Console.WriteLine($"Kubernetes__Kubeconfig={sandbox.KubeconfigPath}");
        Console.WriteLine($"Prometheus__Address={sandbox.PrometheusAddress}");
        Console.WriteLine("ready");
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
            // SIGINT or SIGTERM: dispose stops Prometheus and writes the cluster one last time.
        }

        RunningSandbox.Remove(sandbox.WorkDirectory);
        return 0;

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Cancel();
        }
    }
}
