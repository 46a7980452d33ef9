using System.Net;
using k8s.Autorest;

namespace Flagger.Infrastructure.Kubernetes;

/// <summary>How the adapters read KubernetesClient's failures: missing objects and lost optimistic-concurrency races.</summary>
internal static class KubernetesErrors
{
    public const int ConflictAttempts = 3;

    public static bool IsNotFound(this HttpOperationException e) => e.Response.StatusCode == HttpStatusCode.NotFound;

    public static bool IsConflict(this HttpOperationException e) => e.Response.StatusCode == HttpStatusCode.Conflict;

    public static async Task<T?> NullWhenMissingAsync<T>(Func<Task<T>> read)
        where T : class
    {
        try
        {
            return await read();
        }
        catch (HttpOperationException e) when (e.IsNotFound())
        {
            return null;
        }
    }

    /// <summary>Runs a read-modify-write; a 409 means someone else wrote first, so it re-reads and tries again.</summary>
    public static async Task RetryOnConflictAsync(Func<Task> readModifyWrite)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await readModifyWrite();
                return;
            }
            catch (HttpOperationException e) when (e.IsConflict() && attempt < ConflictAttempts)
            {
            }
        }
    }
}
