using System.Diagnostics;

namespace Flagger.Deploy.Tests.Bicep;

/// <summary>
/// Every template under infra/ compiles with the Bicep CLI from NuGet, with no warning and no error
/// (linter warnings included): <c>bicep build</c> for .bicep, <c>bicep build-params</c> for .bicepparam.
/// </summary>
public sealed class BicepTemplateTests
{
    public static TheoryData<string> Templates => new(TemplateFiles);

    public static TheoryData<string> ParameterFiles => new(ParameterFileNames);

    private static IEnumerable<string> TemplateFiles => RepositoryFiles.Under(RepositoryFiles.Infra, ".bicep");

    private static IEnumerable<string> ParameterFileNames => RepositoryFiles.Under(RepositoryFiles.Infra, ".bicepparam");

    [Fact]
    public void The_templates_and_their_parameter_files_are_all_found()
    {
        Assert.Contains("infra/main.bicep", TemplateFiles);
        Assert.Contains("infra/eventgrid.bicep", TemplateFiles);
        Assert.Contains("infra/main.bicepparam", ParameterFileNames);
        Assert.Contains("infra/eventgrid.bicepparam", ParameterFileNames);
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public async Task Template_builds_without_warnings(string template)
    {
        var result = await RunBicepAsync("build", template, "--stdout");

        AssertClean(result);
        Assert.Contains("\"$schema\"", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ParameterFiles))]
    public async Task Parameter_file_builds_without_warnings(string parameterFile)
    {
        var result = await RunBicepAsync("build-params", parameterFile, "--stdout");

        AssertClean(result);
        Assert.Contains("parametersJson", result.Stdout, StringComparison.Ordinal);
    }

    private static void AssertClean(BicepResult result)
    {
        Assert.True(result.ExitCode == 0, $"bicep exited {result.ExitCode}:\n{result.Stderr}");
        Assert.True(string.IsNullOrWhiteSpace(result.Stderr), $"bicep reported diagnostics:\n{result.Stderr}");
    }

    private static async Task<BicepResult> RunBicepAsync(params string[] arguments)
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

    private sealed record BicepResult(int ExitCode, string Stdout, string Stderr);
}
