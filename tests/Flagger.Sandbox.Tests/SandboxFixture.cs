namespace Flagger.Sandbox.Tests;

/// <summary>One sandbox (all three sample Canaries, live traffic, real Prometheus) for the collection's tests.</summary>
public sealed class SandboxFixture : IAsyncLifetime
{
    private SandboxCluster? _sandbox;

    public SandboxCluster Sandbox => _sandbox ?? throw new InvalidOperationException("the sandbox did not start");

    public async Task InitializeAsync() =>
        _sandbox = await SandboxCluster.StartAsync(new SandboxOptions { ABTesting = true, BlueGreen = true });

    public async Task DisposeAsync()
    {
        if (_sandbox is not null)
        {
            await _sandbox.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SandboxCollection : ICollectionFixture<SandboxFixture>
{
    public const string Name = "sandbox";
}
