using Flagger.Rollouts;
using Flagger.Rollouts.Api;
using Microsoft.Azure.Functions.Worker.Builder;

namespace Flagger.Functions;

/// <summary>The Function App's composition, apart from <c>Program</c> so a test can build it.</summary>
public static class FunctionApp
{
    public static FunctionsApplicationBuilder ConfigureFlagger(this FunctionsApplicationBuilder builder)
    {
        builder.ConfigureFunctionsWebApplication();
        builder.Services.AddFlagger();
        builder.AddAzureMonitorWhenConfigured();
        // The worker runs ASP.NET Core: its "Request starting" lines show the whole URL, ?code= key included.
        builder.Logging.HoldBackRequestLines();
        return builder;
    }
}
