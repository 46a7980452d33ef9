using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Flagger.Sandbox;

/// <summary>
/// What Azure Container Registry sends through Event Grid when an image is pushed to the sandbox's registry:
/// one <c>ImagePushed</c> event in the Event Grid schema (as in <c>acr-image-pushed.eventgrid.json</c>), a fresh
/// id each time, a digest derived from the image.
/// </summary>
public static class RegistryPush
{
    public const string Registry = "contosoacr.azurecr.io";

    public static string EventGridEvent(string repository, string tag)
    {
        var now = DateTimeOffset.UtcNow.ToString("O");
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{repository}:{tag}")));
        return new JsonArray(new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString(),
            ["topic"] = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/sandbox/providers/Microsoft.ContainerRegistry/registries/contosoacr",
            ["subject"] = $"{repository}:{tag}",
            ["eventType"] = "Microsoft.ContainerRegistry.ImagePushed",
            ["eventTime"] = now,
            ["dataVersion"] = "1.0",
            ["metadataVersion"] = "1",
            ["data"] = new JsonObject
            {
                ["id"] = Guid.NewGuid().ToString(),
                ["timestamp"] = now,
                ["action"] = "push",
                ["target"] = new JsonObject
                {
                    ["mediaType"] = "application/vnd.docker.distribution.manifest.v2+json",
                    ["digest"] = digest,
                    ["repository"] = repository,
                    ["tag"] = tag,
                },
                ["request"] = new JsonObject { ["host"] = Registry, ["method"] = "PUT" },
            },
        }).ToJsonString();
    }
}
