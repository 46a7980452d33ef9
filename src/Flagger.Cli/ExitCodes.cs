namespace Flagger.Cli;

/// <summary>flaggerctl's exit codes (also in its README text).</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>A command line System.CommandLine could not parse (its own code).</summary>
    public const int Usage = 1;

    /// <summary>The API answered with an error: 400, 401, 404, 409, 503...</summary>
    public const int ApiError = 2;

    /// <summary>No answer: the address does not resolve, refuses connections, or timed out.</summary>
    public const int Unreachable = 3;

    /// <summary><c>watch</c>: the rollout ended Failed (rolled back) or Terminated.</summary>
    public const int RolloutFailed = 4;

    /// <summary>Stopped by Ctrl-C (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;
}
