using System.Globalization;

namespace Flagger.Infrastructure.State;

/// <summary>
/// The keys of a canary's rows in the <c>Canaries</c> table. The partition is its namespace; the checkpoint's
/// RowKey is its name, and its inbox rows follow as <c>name!counter</c> and <c>name!op-{number, 19 digits}</c>.
/// <c>!</c> sorts before every character of a Kubernetes name (<c>-</c>, <c>.</c>, digits, letters), so the
/// RowKeys from <c>name</c> up to <c>name"</c> are exactly that canary's rows and no other canary's: one range
/// query reads a tick's state (<see cref="Range"/>).
/// </summary>
internal static class CanaryRows
{
    public const string Table = "Canaries";

    private const char Separator = '!';
    private const char AfterSeparator = '"';
    private const string OperationInfix = "!op-";

    public static string Partition(string @namespace) => Key(@namespace);

    public static string Checkpoint(string name) => Key(name);

    public static string Counter(string name) => Key(name) + Separator + "counter";

    public static string Operation(string name, long number) =>
        Key(name) + OperationInfix + number.ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>Below every operation row of the canary.</summary>
    public static string OperationsStart(string name) => Key(name) + OperationInfix;

    /// <summary>Above every operation row of the canary.</summary>
    public static string OperationsEnd(string name) => Key(name) + OperationInfix + "~";

    /// <summary>RowKey ge <c>From</c> and lt <c>To</c>: the canary's checkpoint and inbox rows, nothing else.</summary>
    public static (string From, string To) Range(string name) => (Key(name), Key(name) + AfterSeparator);

    public static bool IsCheckpoint(string rowKey) => !rowKey.Contains(Separator, StringComparison.Ordinal);

    public static bool IsOperation(string rowKey) => rowKey.Contains(OperationInfix, StringComparison.Ordinal);

    /// <summary>Kubernetes names never hold the characters a table key cannot (nor <c>!</c>); anything else is a caller bug.</summary>
    public static string Key(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        return IsValidKey(value) && !value.Contains(Separator, StringComparison.Ordinal)
            ? value
            : throw new ArgumentException($"'{value}' cannot be a table key: it holds '/', '\\', '#', '?', '!' or a control character.", nameof(value));
    }

    public static bool IsValidKey(string value) =>
        !value.Any(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c));
}
