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
        Assert.Contains("infra/main.vnet.bicepparam", ParameterFileNames);
        Assert.Contains("infra/eventgrid.bicepparam", ParameterFileNames);
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public async Task Template_builds_without_warnings(string template)
    {
        var result = await BicepCli.RunAsync("build", template, "--stdout");

        BicepCli.AssertClean(result);
        Assert.Contains("\"$schema\"", result.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ParameterFiles))]
    public async Task Parameter_file_builds_without_warnings(string parameterFile)
    {
        var result = await BicepCli.RunAsync("build-params", parameterFile, "--stdout");

        BicepCli.AssertClean(result);
        Assert.Contains("parametersJson", result.Stdout, StringComparison.Ordinal);
    }
}
