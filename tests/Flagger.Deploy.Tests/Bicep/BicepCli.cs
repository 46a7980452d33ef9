using System.Diagnostics;

namespace Flagger.Deploy.Tests.Bicep;

/// <summary>Runs the Bicep CLI of the Azure.Bicep.CommandLine package from the repository root.</summary>
public static class BicepCli
{
    public static async Task<BicepResult> RunAsync(params string[] arguments)
    {
        var bicep = RepositoryFiles.BicepPath;
        if (!OperatingSystem.IsWindows() && !File.GetUnixFileMode(bicep).HasFlag(UnixFileMode.UserExecute))
        {
            File.SetUnixFileMode(bicep, File.GetUnixFileMode(bicep) | UnixFileMode.UserExecute);
        }

        var start = new ProcessStartInfo(bicep)
        {
            WorkingDirectory = RepositoryFiles.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {bicep}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish in 2 minutes");
        }

        return new BicepResult(process.ExitCode, await stdout, await stderr);
    }

    public static void AssertClean(BicepResult result)
    {
        Assert.True(result.ExitCode == 0, $"bicep exited {result.ExitCode}:\n{result.Stderr}");
        Assert.True(string.IsNullOrWhiteSpace(result.Stderr), $"bicep reported diagnostics:\n{result.Stderr}");
    }
}

public sealed record BicepResult(int ExitCode, string Stdout, string Stderr);
