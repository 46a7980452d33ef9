using System.Net;
using Flagger.Cli.Api;
using Flagger.Cli.Views;
using Spectre.Console;

namespace Flagger.Cli;

/// <summary>
/// Follows one canary until its rollout ends, polling its status: a live panel on a console that can redraw,
/// one line per change otherwise (redirected output, CI). Outages on the way (503, no answer) are shown and
/// waited out; the first request's error ends the watch, as any command's.
/// </summary>
internal sealed class Watcher(FlaggerApiClient client, IAnsiConsole console, TimeProvider time)
{
    public static bool Ended(string? phase) => phase is "Succeeded" or "Failed" or "Terminated";

    public async Task<int> RunAsync(string @namespace, string name, int? maxWeight, TimeSpan poll, bool lines, CancellationToken cancellationToken)
    {
        var canary = await client.GetAsync(@namespace, name, cancellationToken);
        if (Ended(canary.Phase))
        {
            console.MarkupLine(WatchView.Line(canary, maxWeight));
            return Finish(canary, already: true);
        }

        if (!lines && console.Profile.Capabilities is { Interactive: true, Ansi: true })
        {
            await console.Live(WatchView.Render(canary, maxWeight, time.GetUtcNow()))
                .AutoClear(false)
                .StartAsync(async context =>
                {
                    canary = await FollowAsync(@namespace, name, canary, poll, (current, note) =>
                    {
                        context.UpdateTarget(WatchView.Render(current, maxWeight, time.GetUtcNow(), note));
                        context.Refresh();
                    }, cancellationToken);
                });
        }
        else
        {
            console.MarkupLine(WatchView.Line(canary, maxWeight));
            var shown = WatchView.ChangeKey(canary);
            string? lastNote = null;
            canary = await FollowAsync(@namespace, name, canary, poll, (current, note) =>
            {
                if (note is not null)
                {
                    if (note != lastNote)
                    {
                        console.MarkupLine($"[yellow]{Markup.Escape(note)}[/]");
                    }

                    lastNote = note;
                    return;
                }

                lastNote = null;
                var key = WatchView.ChangeKey(current);
                if (key != shown)
                {
                    console.MarkupLine(WatchView.Line(current, maxWeight));
                    shown = key;
                }
            }, cancellationToken);
        }

        return Finish(canary, already: false);
    }

    private async Task<CanaryDetail> FollowAsync(
        string @namespace, string name, CanaryDetail canary, TimeSpan poll, Action<CanaryDetail, string?> show, CancellationToken cancellationToken)
    {
        while (!Ended(canary.Phase))
        {
            var wait = poll;
            try
            {
                await Task.Delay(wait, time, cancellationToken);
                canary = await client.GetAsync(@namespace, name, cancellationToken);
                show(canary, null);
            }
            catch (ApiRequestException exception) when (exception.Status == HttpStatusCode.ServiceUnavailable)
            {
                var retry = exception.RetryAfter ?? poll;
                show(canary, $"{exception.Message} (retrying in {retry.TotalSeconds:0} s)");
                await Task.Delay(retry, time, cancellationToken);
            }
            catch (ApiUnreachableException exception)
            {
                show(canary, $"{exception.Message} (retrying)");
            }
        }

        return canary;
    }

    private int Finish(CanaryDetail canary, bool already)
    {
        var prefix = already ? "the rollout had already ended: " : "";
        if (canary.Phase == "Succeeded")
        {
            console.MarkupLine($"[green]{prefix}{Markup.Escape($"{canary.Name}.{canary.Namespace}")} Succeeded[/]");
            return ExitCodes.Ok;
        }

        console.MarkupLine($"[red]{prefix}{Markup.Escape($"{canary.Name}.{canary.Namespace}")} {canary.Phase}" +
            (string.IsNullOrEmpty(canary.LastMessage) ? "" : $": {Markup.Escape(canary.LastMessage)}") + "[/]");
        return ExitCodes.RolloutFailed;
    }
}
