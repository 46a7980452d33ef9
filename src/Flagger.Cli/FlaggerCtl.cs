using System.CommandLine;
using System.Text.Json;
using Flagger.Cli.Api;
using Flagger.Cli.Views;
using Spectre.Console;

namespace Flagger.Cli;

/// <summary>Where flaggerctl writes: results to <see cref="Out"/>, errors to <see cref="Error"/> (stderr in the tool).</summary>
public sealed record CliConsoles(IAnsiConsole Out, IAnsiConsole Error);

/// <summary>
/// flaggerctl: <c>get</c>, <c>history</c>, <c>watch</c> and the operations over the HTTP API of a Function App or a
/// Flagger.Host. The address and key come from <c>--url</c>/<c>--key</c> or <c>FLAGGER_URL</c>/<c>FLAGGER_KEY</c>.
/// </summary>
public sealed class FlaggerCtl
{
    public const string UrlVariable = "FLAGGER_URL";
    public const string KeyVariable = "FLAGGER_KEY";

    private static readonly string[] s_gates = ["confirm-rollout", "confirm-traffic-increase", "confirm-promotion"];

    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    private readonly CliConsoles _consoles;
    private readonly Func<string, string?> _environment;
    private readonly TimeProvider _time;

    private readonly Option<string?> _url = new("--url") { Description = $"The Function App (https://APP.azurewebsites.net) or Flagger.Host address [env {UrlVariable}]", Recursive = true };
    private readonly Option<string?> _key = new("--key") { Description = $"The function key or the host's API key, sent as x-functions-key [env {KeyVariable}]", Recursive = true };
    private readonly Option<string> _namespace = new("--namespace", "-n") { Description = "The canary's namespace", DefaultValueFactory = _ => "default", Recursive = true };

    public FlaggerCtl(CliConsoles consoles, Func<string, string?> environment, TimeProvider time)
    {
        _consoles = consoles;
        _environment = environment;
        _time = time;
        Root = new RootCommand("flaggerctl: list, follow and operate Flagger.Functions canaries over their HTTP API");
        Root.Options.Add(_url);
        Root.Options.Add(_key);
        Root.Options.Add(_namespace);
        Root.Subcommands.Add(Get());
        Root.Subcommands.Add(History());
        Root.Subcommands.Add(Watch());
        foreach (var (operation, description) in new[]
        {
            ("promote", "Skip the rest of the analysis and promote the canary now"),
            ("abort", "Roll the canary back now"),
            ("retry", "Run a failed revision again"),
            ("pause", "Hold the rollout where it is"),
            ("resume", "Carry on a paused rollout"),
        })
        {
            Root.Subcommands.Add(Operation(operation, description, gate: null));
        }

        var gate = new Option<string>("--gate") { Description = "The built-in gate to open", Required = true };
        gate.AcceptOnlyFromAmong(s_gates);
        Root.Subcommands.Add(Operation("approve", "Open the canary's built-in confirm gate", gate));
    }

    /// <summary>The command tree (for help and parsing); <see cref="RunAsync"/> runs it.</summary>
    public RootCommand Root { get; }

    /// <summary>Who operations are recorded as (<c>X-Flagger-User</c>) unless an identity provider in front of the API names the caller.</summary>
    public string? User { get; init; } = Environment.UserName;

    /// <summary>How often <c>watch</c> asks for the status unless <c>--poll</c> says otherwise.</summary>
    public TimeSpan DefaultPoll { get; init; } = TimeSpan.FromSeconds(2);

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        var configuration = new InvocationConfiguration
        {
            Output = _consoles.Out.Profile.Out.Writer,
            Error = _consoles.Error.Profile.Out.Writer,
        };
        return await Root.Parse(args).InvokeAsync(configuration, cancellationToken);
    }

    private Command Get()
    {
        var name = new Argument<string?>("NAME") { Description = "One canary; all of the namespace when left out", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all-namespaces", "-A") { Description = "Canaries of every namespace" };
        var output = new Option<string>("--output", "-o") { Description = "table or json (the API's JSON)", DefaultValueFactory = _ => "table" };
        output.AcceptOnlyFromAmong("table", "json");
        var command = new Command("get", "List canaries, as kubectl get canaries does") { name, all, output };
        command.SetAction((parse, cancellationToken) => WithClientAsync(parse, async client =>
        {
            var ns = parse.GetRequiredValue(_namespace);
            var json = parse.GetValue(output) == "json";
            if (parse.GetValue(name) is { } one)
            {
                if (json)
                {
                    WriteJson(await client.GetRawAsync(ns, one, cancellationToken));
                    return ExitCodes.Ok;
                }

                var canary = await client.GetAsync(ns, one, cancellationToken);
                _consoles.Out.Write(CanaryTable.Render([CanaryTable.From(canary)], parse.GetValue(all), _time.GetUtcNow()));
                return ExitCodes.Ok;
            }

            var canaries = (await client.ListAsync(cancellationToken)).Where(c => parse.GetValue(all) || c.Namespace == ns).ToList();
            if (json)
            {
                WriteJson(JsonSerializer.Serialize(canaries, JsonSerializerOptions.Web));
                return ExitCodes.Ok;
            }

            if (canaries.Count == 0)
            {
                _consoles.Error.WriteLine(parse.GetValue(all) ? "No canaries found." : $"No canaries found in {ns} namespace.");
                return ExitCodes.Ok;
            }

            _consoles.Out.Write(CanaryTable.Render(canaries.Select(CanaryTable.From).ToList(), parse.GetValue(all), _time.GetUtcNow()));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private Command History()
    {
        var name = new Argument<string>("NAME") { Description = "The canary" };
        var pageSize = new Option<int>("--page-size") { Description = "Ticks per page (1-1000)", DefaultValueFactory = _ => 20 };
        var continuation = new Option<string?>("--continue") { Description = "The continuation token a previous page printed" };
        var all = new Option<bool>("--all") { Description = "Follow the continuation tokens to the first tick" };
        var output = new Option<string>("--output", "-o") { Description = "text or json", DefaultValueFactory = _ => "text" };
        output.AcceptOnlyFromAmong("text", "json");
        var command = new Command("history", "The canary's ticks, newest first: phase, weights, each check against its range, operations") { name, pageSize, continuation, all, output };
        command.SetAction((parse, cancellationToken) => WithClientAsync(parse, async client =>
        {
            var ns = parse.GetRequiredValue(_namespace);
            var canary = parse.GetRequiredValue(name);
            var token = parse.GetValue(continuation);
            var entries = 0;
            do
            {
                var page = await client.HistoryAsync(ns, canary, parse.GetValue(pageSize), token, cancellationToken);
                if (parse.GetValue(output) == "json")
                {
                    WriteJson(JsonSerializer.Serialize(page, JsonSerializerOptions.Web));
                }
                else
                {
                    foreach (var entry in page.Entries)
                    {
                        _consoles.Out.Write(HistoryView.Render(entry));
                    }
                }

                entries += page.Entries.Count;
                token = page.ContinuationToken;
            }
            while (token is not null && parse.GetValue(all));

            if (parse.GetValue(output) != "json")
            {
                if (entries == 0)
                {
                    _consoles.Error.WriteLine($"No ticks recorded for {ns}/{canary}.");
                }

                if (token is not null)
                {
                    _consoles.Error.MarkupLine($"[grey]older ticks: flaggerctl history {Markup.Escape(canary)} -n {Markup.Escape(ns)} --continue '{Markup.Escape(token)}' (or --all)[/]");
                }
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private Command Watch()
    {
        var name = new Argument<string>("NAME") { Description = "The canary" };
        var maxWeight = new Option<int?>("--max-weight") { Description = "The bar's end (default: the weight at which the canary's analysis starts promotion, as the API reports it)" };
        var poll = new Option<double?>("--poll") { Description = "Seconds between status requests (default 2)" };
        var lines = new Option<bool>("--lines") { Description = "One line per change even on a terminal" };
        maxWeight.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1 or > 100)
            {
                result.AddError("--max-weight must be between 1 and 100");
            }
        });
        poll.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double?>() is not > 0)
            {
                result.AddError("--poll must be a positive number of seconds");
            }
        });
        var command = new Command("watch", "Follow the rollout until it ends: exit 0 when Succeeded, 4 when Failed") { name, maxWeight, poll, lines };
        command.SetAction((parse, cancellationToken) => WithClientAsync(parse, client =>
            new Watcher(client, _consoles.Out, _time).RunAsync(
                parse.GetRequiredValue(_namespace), parse.GetRequiredValue(name), parse.GetValue(maxWeight),
                parse.GetValue(poll) is { } seconds ? TimeSpan.FromSeconds(seconds) : DefaultPoll, parse.GetValue(lines), cancellationToken)));
        return command;
    }

    private Command Operation(string operation, string description, Option<string>? gate)
    {
        var name = new Argument<string>("NAME") { Description = "The canary" };
        var command = new Command(operation, description) { name };
        if (gate is not null)
        {
            command.Options.Add(gate);
        }

        command.SetAction((parse, cancellationToken) => WithClientAsync(parse, async client =>
        {
            var ns = parse.GetRequiredValue(_namespace);
            var canary = parse.GetRequiredValue(name);
            var accepted = await client.OperateAsync(ns, canary, operation, gate is null ? null : parse.GetRequiredValue(gate), cancellationToken);
            _consoles.Out.MarkupLine(
                $"[green]{Markup.Escape($"{accepted.Kind.ToLowerInvariant()}{(accepted.Detail is null ? "" : " " + accepted.Detail)}")}[/] of " +
                $"{Markup.Escape($"{ns}/{canary}")} accepted as operation #{accepted.Number} " +
                $"(by {Markup.Escape(accepted.By ?? "unknown")} at {Format.Time(accepted.At)}): the canary's next tick applies it");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private async Task<int> WithClientAsync(ParseResult parse, Func<FlaggerApiClient, Task<int>> run)
    {
        var url = parse.GetValue(_url) ?? _environment(UrlVariable);
        if (string.IsNullOrWhiteSpace(url))
        {
            return Fail(ExitCodes.Usage, $"no API address: give --url or set {UrlVariable} (https://APP.azurewebsites.net, or Flagger.Host's address)");
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            return Fail(ExitCodes.Usage, $"--url {url} is not an http or https address");
        }

        using var client = new FlaggerApiClient(address, parse.GetValue(_key) ?? _environment(KeyVariable), User);
        try
        {
            return await run(client);
        }
        catch (ApiRequestException exception)
        {
            return Fail(ExitCodes.ApiError, exception.RetryAfter is { } retry
                ? $"{exception.Message} (Retry-After: {retry.TotalSeconds:0} s)"
                : exception.Message);
        }
        catch (ApiUnreachableException exception)
        {
            return Fail(ExitCodes.Unreachable, exception.Message);
        }
        catch (JsonException exception)
        {
            return Fail(ExitCodes.ApiError, $"{client.BaseAddress} answered something that is not the Flagger API's JSON: {exception.Message}");
        }
        catch (OperationCanceledException)
        {
            _consoles.Error.MarkupLine("[grey]interrupted[/]");
            return ExitCodes.Interrupted;
        }
    }

    private int Fail(int code, string message)
    {
        _consoles.Error.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
        return code;
    }

    private void WriteJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        _consoles.Out.Profile.Out.Writer.WriteLine(JsonSerializer.Serialize(document.RootElement, s_indented));
    }
}
