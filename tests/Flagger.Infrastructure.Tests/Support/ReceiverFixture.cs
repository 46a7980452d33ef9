using Flagger.Testing.Http;

namespace Flagger.Infrastructure.Tests.Support;

/// <summary>One local HTTP receiver per test class; tests use their own paths so they never see each other's requests.</summary>
public sealed class ReceiverFixture : IAsyncLifetime
{
    public HttpReceiver Receiver { get; private set; } = null!;

    public async Task InitializeAsync() => Receiver = await HttpReceiver.StartAsync();

    public async Task DisposeAsync() => await Receiver.DisposeAsync();
}
