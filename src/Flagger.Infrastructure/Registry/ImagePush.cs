namespace Flagger.Infrastructure.Registry;

/// <summary>One <c>Microsoft.ContainerRegistry.ImagePushed</c> event, reduced to what the image policy needs.</summary>
/// <param name="Registry">The registry's login server (<c>request.host</c>), e.g. <c>contosoacr.azurecr.io</c>.</param>
/// <param name="PushedAt">The registry's time of the push, else the event time: orders regex-policy pushes.</param>
public sealed record ImagePush(string EventId, string Registry, string Repository, string Tag, string Digest, DateTimeOffset PushedAt)
{
    /// <summary><c>registry/repository</c>, lower-cased host, as <see cref="Core.Registry.ImageReference.Name"/> reads it.</summary>
    public string Name => Registry.ToLowerInvariant() + "/" + Repository;

    public string Image => $"{Name}:{Tag}@{Digest}";
}
