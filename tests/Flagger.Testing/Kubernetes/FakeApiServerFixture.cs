using Flagger.Sandbox.Kubernetes;
using Xunit;

namespace Flagger.Testing.Kubernetes;

/// <summary>
/// One fake API server for a test collection; each test works in its own namespace. xUnit collections are per
/// assembly, so each test project declares its own <c>[CollectionDefinition]</c> over this fixture.
/// </summary>
public sealed class FakeApiServerFixture : IAsyncLifetime
{
    private int _namespaces;

    public FakeKubernetesApiServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await FakeKubernetesApiServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>A namespace no other test in the collection uses.</summary>
    public string NewNamespace() => $"test-{Interlocked.Increment(ref _namespaces)}";

    /// <summary>The server with no faults left over and simulations at their defaults (objects stay: tests use own namespaces).</summary>
    public FakeKubernetesApiServer FreshServer()
    {
        Server.Faults.Clear();
        Server.Deployments.Reset();
        Server.Gateway.Reset();
        return Server;
    }
}
