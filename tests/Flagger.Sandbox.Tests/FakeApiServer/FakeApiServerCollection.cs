using Flagger.Testing.Kubernetes;

namespace Flagger.Sandbox.Tests.FakeApiServer;

[CollectionDefinition(Name)]
public sealed class FakeApiServerCollection : ICollectionFixture<FakeApiServerFixture>
{
    public const string Name = "Fake Kubernetes API server";
}
