using System.Globalization;

namespace Flagger.Benchmarks.Scale;

/// <summary>What <c>/proc</c> says about a process: CPU time so far and peak resident memory (Linux only).</summary>
public static class ProcessSample
{
    /// <summary>USER_HZ: the unit of utime and stime in <c>/proc/PID/stat</c> (100 on every Linux we run on).</summary>
    private const double ClockTicksPerSecond = 100;

    /// <summary>utime + stime: CPU seconds the process has used, all threads; null when the process is gone.</summary>
    public static double? CpuSeconds(int? pid)
    {
        if (pid is null || !File.Exists($"/proc/{pid}/stat"))
        {
            return null;
        }

        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name (field 2) may hold spaces: fields are counted after its closing parenthesis.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / ClockTicksPerSecond;
    }

    /// <summary>VmHWM: the peak resident set size in bytes over the process's life; null when the process is gone.</summary>
    public static long? PeakRssBytes(int? pid) => StatusKilobytes(pid, "VmHWM:") * 1024;

    public static long? RssBytes(int? pid) => StatusKilobytes(pid, "VmRSS:") * 1024;

    private static long? StatusKilobytes(int? pid, string field)
    {
        if (pid is null || !File.Exists($"/proc/{pid}/status"))
        {
            return null;
        }

        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? null : long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
