using Flagger.Core.Analysis;
using Flagger.Core.Model;

namespace Flagger.Core.Ports;

/// <summary>Sends an alert to the canary's AlertProviders whose severity admits it. A failing provider never blocks the tick.</summary>
public interface INotifier
{
    Task NotifyAsync(Canary canary, SendAlert alert, CancellationToken cancellationToken);
}
