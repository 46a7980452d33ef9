using Flagger.Testing.Kubernetes;

namespace Flagger.Infrastructure.Tests.Support;

[CollectionDefinition(Name)]
public sealed class FakeApiServerCollection : ICollectionFixture<FakeApiServerFixture>
{
    public const string Name = "Fake Kubernetes API server";
}
