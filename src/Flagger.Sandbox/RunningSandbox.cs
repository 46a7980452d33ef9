using System.Diagnostics;
using System.Text.Json;

namespace Flagger.Sandbox;

/// <summary>
/// Where a sandbox run on its own (<c>Flagger.Sandbox --work-dir DIR</c>) listens, from <c>DIR/sandbox.json</c>, which it
/// writes once it is ready and removes when it stops cleanly: what another process (Flagger.Host with
/// <c>Sandbox__Attach</c>) needs to use that cluster and Prometheus.
/// </summary>
public sealed record RunningSandbox(int ProcessId, string KubeconfigPath, Uri ApiServer, Uri PrometheusAddress)
{
    public const string FileName = "sandbox.json";

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <summary>The sandbox running on <paramref name="workDirectory"/>, or null when none is (no file, or its process is gone).</summary>
    public static RunningSandbox? Find(string workDirectory)
    {
        var path = Path.Combine(workDirectory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        var found = JsonSerializer.Deserialize<RunningSandbox>(File.ReadAllText(path), s_json);
        return found is not null && IsRunning(found.ProcessId) ? found : null;
    }

    public void Write(string workDirectory) =>
        File.WriteAllText(Path.Combine(workDirectory, FileName), JsonSerializer.Serialize(this, s_json));

    public static void Remove(string workDirectory) => File.Delete(Path.Combine(workDirectory, FileName));

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
