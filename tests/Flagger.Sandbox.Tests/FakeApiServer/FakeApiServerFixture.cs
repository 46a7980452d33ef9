using Flagger.Sandbox.Kubernetes;

namespace Flagger.Sandbox.Tests.FakeApiServer;

/// <summary>One fake API server for the whole collection; each test works in its own namespace (the adapters' tests in Flagger.Infrastructure.Tests have a fixture of their own).</summary>
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

[CollectionDefinition(Name)]
public sealed class FakeApiServerCollection : ICollectionFixture<FakeApiServerFixture>
{
    public const string Name = "Fake Kubernetes API server";
}
