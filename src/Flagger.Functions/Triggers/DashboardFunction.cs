using Flagger.Rollouts.Dashboard;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Flagger.Functions.Triggers;

/// <summary><c>/api/dashboard?code=KEY</c>: the dashboard page, behind a function key like the API its script reads with that key.</summary>
public sealed class DashboardFunction
{
    [Function("Dashboard")]
    public IActionResult Page(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = DashboardPage.Route)] HttpRequest request) => DashboardPage.Instance;
}
