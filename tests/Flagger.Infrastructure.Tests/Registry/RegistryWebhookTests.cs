using System.Net;
using System.Text;
using System.Text.Json;
using Azure;
using Flagger.Core.Ports;
using Flagger.Core.Registry;
using Flagger.Infrastructure.Registry;
using Flagger.Testing.Registry;
using k8s.Autorest;
using static Flagger.Infrastructure.Tests.Registry.RegistryHarness;

namespace Flagger.Infrastructure.Tests.Registry;

public sealed class RegistryWebhookTests
{
    private static readonly DateTimeOffset s_t0 = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task HandleAsync_EventGridSubscriptionValidation_AnswersTheValidationCode()
    {
        var harness = new RegistryHarness();

        var response = await harness.SendAsync(Post(Validation));

        Assert.Equal(200, response.Status);
        using var body = JsonDocument.Parse(response.Body!);
        Assert.Equal("512d38b6-c7b8-40c8-89fe-f46f9e9622b6", body.RootElement.GetProperty("validationResponse").GetString());
        Assert.Empty(harness.Catalog.Patches);
    }

    [Theory]
    [InlineData("WebHook-Request-Origin")]
    [InlineData("webhook-request-origin")]
    public async Task HandleAsync_CloudEventsOptionsWithOrigin_AllowsThatOrigin(string headerName)
    {
        var harness = new RegistryHarness();
        var request = new RegistryRequest("OPTIONS", new Dictionary<string, string> { [headerName] = "eventgrid.azure.net" }, ReadOnlyMemory<byte>.Empty);

        var response = await harness.SendAsync(request);

        Assert.Equal(200, response.Status);
        Assert.Equal("eventgrid.azure.net", response.Headers["WebHook-Allowed-Origin"]);
        Assert.Equal("*", response.Headers["WebHook-Allowed-Rate"]);
    }

    [Fact]
    public async Task HandleAsync_OptionsWithoutOrigin_Is400()
    {
        var harness = new RegistryHarness();

        var response = await harness.SendAsync(new RegistryRequest("OPTIONS", new Dictionary<string, string>(), ReadOnlyMemory<byte>.Empty));

        Assert.Equal(400, response.Status);
        Assert.Contains("WebHook-Request-Origin", response.Body, StringComparison.Ordinal);
        Assert.False(response.Headers.ContainsKey("WebHook-Allowed-Origin"));
    }

    [Fact]
    public async Task HandleAsync_GetRequest_Is405()
    {
        var harness = new RegistryHarness();

        var response = await harness.SendAsync(new RegistryRequest("GET", new Dictionary<string, string>(), ReadOnlyMemory<byte>.Empty));

        Assert.Equal(405, response.Status);
    }

    [Fact]
    public async Task HandleAsync_ImagePushedEventGridFixture_PatchesTargetAndSignalsRollout()
    {
        var harness = new RegistryHarness();
        harness.Catalog.Add("test", "podinfo", Repo + ":6.0.0");

        var response = await harness.SendAsync(Post(EventGridPush));

        Assert.Equal(200, response.Status);
        Assert.Equal(EventGridImage, harness.Catalog.Image("test", "podinfo"));
        var signal = Assert.Single(harness.Scheduler.Signals);
        Assert.Equal(new ScheduledSignal("test", "podinfo", RolloutSignal.NewImage), signal);
        var patch = Assert.Single(harness.Catalog.Patches);
        Assert.Equal(DateTimeOffset.Parse("2026-11-20T10:15:02.1170341Z", System.Globalization.CultureInfo.InvariantCulture), patch.PushedAt);
        var e = Assert.Single(Report(response).Events);
        Assert.Equal(EventOutcome.Handled, e.Outcome);
        Assert.Equal(new CanaryReport("test", "podinfo", CanaryOutcome.Patched, "podinfo", Repo + ":6.0.0", EventGridImage, null), Assert.Single(e.Canaries));
        Assert.Contains(EventGridId, harness.Store.Deliveries);
    }

    [Theory]
    [InlineData("application/cloudevents+json; charset=utf-8")]
    [InlineData("application/cloudevents-batch+json")]
    [InlineData("application/json")]
    [InlineData("")]
    public async Task HandleAsync_ImagePushedCloudEventFixture_PatchesTargetAndSignalsRollout(string contentType)
    {
        var harness = new RegistryHarness();
        harness.Catalog.Add("test", "podinfo", Repo + ":6.0.1");
        var body = contentType.Contains("batch", StringComparison.Ordinal) ? "[" + CloudEventPush + "]" : CloudEventPush;

        var response = await harness.SendAsync(Post(body, contentType));

        Assert.Equal(200, response.Status);
        Assert.Equal(CloudEventImage, harness.Catalog.Image("test", "podinfo"));
        Assert.Equal(RolloutSignal.NewImage, Assert.Single(harness.Scheduler.Signals).Signal);
        Assert.Equal(CanaryOutcome.Patched, Assert.Single(Assert.Single(Report(response).Events).Canaries).Outcome);
    }

    [Fact]
    public async Task HandleAsync_TenDuplicateDeliveries_OnePatchAndOneSignal()
    {
        var harness = new RegistryHarness();
        harness.Catalog.Add("test", "podinfo", Repo + ":6.0.0");

        var outcomes = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            var response = await harness.SendAsync(Post(EventGridPush));
            Assert.Equal(200, response.Status);
            outcomes.Add(Assert.Single(Report(response).Events).Outcome);
        }

        Assert.Single(harness.Catalog.Patches);
        Assert.Single(harness.Scheduler.Signals);
        Assert.Equal([EventOutcome.Handled, .. Enumerable.Repeat(EventOutcome.Duplicate, 9)], outcomes);
        Assert.Equal(EventGridImage, harness.Catalog.Image("test", "podinfo"));
    }

    [Fact]
    public async Task HandleAsync_TenConcurrentDuplicateDeliveries_OnePatchAndOneSignal()
    {
        var harness = new RegistryHarness();
        harness.Catalog.Add("test", "podinfo", Repo + ":6.0.0");

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => harness.SendAsync(Post(EventGridPush)))));

        Assert.All(responses, r => Assert.Equal(200, r.Status));
        Assert.Single(harness.Catalog.Patches);
        Assert.Single(harness.Scheduler.Signals);
    }

    [Fact]
    public async Task HandleAsync_OlderSemverTagAfterNewer_KeepsTheNewerImage()
    {
        var harness = new RegistryHarness();
        harness.Catalog.Add("test", "podinfo", Repo + ":6.0.0");

        var newer = await harness.SendAsync(PostCloudEvent(CloudEventPush));
        var older = await harness.SendAsync(Post(EventGridPush));

        Assert.Equal(200, newer.Status);
        Assert.Equal(200, older.Status);
        Assert.Equal(CloudEventImage, harness.Catalog.Image("test", "podinfo"));
        Assert.Single(harness.Catalog.Patches);
        Assert.Single(harness.Scheduler.Signals);
        var refused = Assert.Single(Assert.Single(Report(older).Events).Canaries);
        Assert.Equal(CanaryOutcome.Refused, refused.Outcome);
        Assert.Contains("would downgrade the running '6.0.2'", refused.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_RegexPolicy_DeploysMatchingTagsInEventTimeOrderOnly()
    {
        var harness = new RegistryHarness();
        harness.Catalog.Add("test", "podinfo", Repo + ":main-1", new Dictionary<string, string> { [ImagePolicy.Annotation] = "regex:^main-[0-9]+$" });

        var later = await harness.SendAsync(Post(EventGridEvent("e3", "main-3", EventGridDigest, s_t0.AddMinutes(2))));
        var earlier = await harness.SendAsync(Post(EventGridEvent("e2", "main-2", CloudEventDigest, s_t0.AddMinutes(1))));
        var feature = await harness.SendAsync(Post(EventGridEvent("e4", "feature-4", CloudEventDigest, s_t0.AddMinutes(3))));

        Assert.Equal(Repo + ":main-3@" + EventGridDigest, harness.Catalog.Image("test", "podinfo"));
        Assert.Single(harness.Catalog.Patches);
        Assert.Equal(CanaryOutcome.Patched, Assert.Single(Assert.Single(Report(later).Events).Canaries).Outcome);
        Assert.Contains("is not after the last applied push", Assert.Single(Assert.Single(Report(earlier).Events).Canaries).Reason, StringComparison.Ordinal);
        Assert.Contains("does not match regex:^main-[0-9]+$", Assert.Single(Assert.Single(Report(feature).Events).Canaries).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_NonePolicy_LeavesTheTargetAlone()
    {
        var harness = new RegistryHarness();
        harness.Catalog.Add("test", "podinfo", Repo + ":6.0.0", new Dictionary<string, string> { [ImagePolicy.Annotation] = "none" });

        var response = await harness.SendAsync(Post(EventGridPush));

        Assert.Equal(200, response.Status);
        Assert.Equal(Repo + ":6.0.0", harness.Catalog.Image("test", "podinfo"));
        Assert.Empty(harness.Scheduler.Signals);
        Assert.Equal(CanaryOutcome.Refused, Assert.Single(Assert.Single(Report(response).Events).Canaries).Outcome);
    }

    [Fact]
    public async Task HandleAsync_InvalidPolicyAnnotation_RefusesNamingTheAnnotation()
    {
        var harness = new RegistryHarness();
        harness.Catalog.Add("test", "podinfo", Repo + ":6.0.0", new Dictionary<string, string> { [ImagePolicy.Annotation] = "semver:banana" });

        var response = await harness.SendAsync(Post(EventGridPush));

        Assert.Equal(200, response.Status);
        Assert.Empty(harness.Catalog.Patches);
        Assert.Contains("flagger-functions.io/image-policy", Assert.Single(Assert.Single(Report(response).Events).Canaries).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_PushOfARepositoryNoCanaryRuns_Is200AndDoesNothing()
    {
        var harness = new RegistryHarness();
        harness.Catalog.Add("test", "other", RegistryHost + "/other:6.0.0");
        harness.Catalog.Add("test", "hub", "podinfo:6.0.0");
        harness.Catalog.Add("test", "elsewhere", "otheracr.azurecr.io/podinfo:6.0.0");

        var response = await harness.SendAsync(Post(EventGridPush));

        Assert.Equal(200, response.Status);
        Assert.Empty(harness.Catalog.Patches);
        Assert.Empty(harness.Scheduler.Signals);
        Assert.Empty(Assert.Single(Report(response).Events).Canaries);
    }

    [Fact]
    public async Task HandleAsync_TwoCanariesRunTheRepository_PatchesBoth()
    {
        var harness = new RegistryHarness();
        harness.Catalog.Add("test", "podinfo", Repo + ":6.0.0");
        harness.Catalog.AddWithContainers("prod", "frontend", null, ("nginx", "nginx:1.27"), ("app", Repo + ":5.9.0"));

        var response = await harness.SendAsync(Post(EventGridPush));

        Assert.Equal(200, response.Status);
        Assert.Equal(EventGridImage, harness.Catalog.Image("test", "podinfo"));
        Assert.Equal(EventGridImage, harness.Catalog.Image("prod", "frontend", "app"));
        Assert.Equal("nginx:1.27", harness.Catalog.Image("prod", "frontend", "nginx"));
        Assert.Equal(["prod/frontend", "test/podinfo"], harness.Scheduler.Signals.Select(s => $"{s.Namespace}/{s.Name}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task HandleAsync_CanaryInUnwatchedNamespace_IsUntouched()
    {
        var harness = new RegistryHarness(new RegistryOptions { WatchNamespaces = "test, staging" });
        harness.Catalog.Add("test", "podinfo", Repo + ":6.0.0");
        harness.Catalog.Add("prod", "podinfo", Repo + ":6.0.0");

        var response = await harness.SendAsync(Post(EventGridPush));

        Assert.Equal(200, response.Status);
        Assert.Equal(EventGridImage, harness.Catalog.Image("test", "podinfo"));
        Assert.Equal(Repo + ":6.0.0", harness.Catalog.Image("prod", "podinfo"));
        Assert.Equal("test", Assert.Single(harness.Scheduler.Signals).Namespace);
        Assert.Equal("test", Assert.Single(Assert.Single(Report(response).Events).Canaries).Namespace);
    }

    public static TheoryData<string, string> Garbage => new()
    {
        { "", "empty" },
        { "not json", "not JSON" },
        { "{\"truncated\": ", "not JSON" },
        { "42", "neither" },
        { "[1, 2]", "neither" },
        { "{\"hello\": \"world\"}", "neither" },
        { "[{\"eventType\": \"Microsoft.ContainerRegistry.ImagePushed\"}]", "cannot be read" },
        { "{\"specversion\": \"1.0\", \"type\": \"Microsoft.ContainerRegistry.ImagePushed\"}", "cannot be read" },
        { EventGridEvent("x", "6.0.1", EventGridDigest, DateTimeOffset.UnixEpoch, repository: ""), "data.target.repository" },
        { EventGridEvent("x", "6.0.1", "", DateTimeOffset.UnixEpoch), "data.target.digest" },
        { EventGridEvent("x", "6.0.1", EventGridDigest, DateTimeOffset.UnixEpoch, host: ""), "data.request.host" },
        { Validation.Replace("512d38b6-c7b8-40c8-89fe-f46f9e9622b6", "", StringComparison.Ordinal), "validationCode" },
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public async Task HandleAsync_MalformedBody_Is400WithReason(string body, string reason)
    {
        var harness = new RegistryHarness();
        harness.Catalog.Add("test", "podinfo", Repo + ":6.0.0");

        var response = await harness.SendAsync(Post(body));

        Assert.Equal(400, response.Status);
        using var json = JsonDocument.Parse(response.Body!);
        Assert.Contains(reason, json.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(harness.Catalog.Patches);
        Assert.Empty(harness.Store.Deliveries);
    }

    [Fact]
    public async Task HandleAsync_MalformedEventInABatch_Is400BeforeAnyWork()
    {
        var harness = new RegistryHarness();
        harness.Catalog.Add("test", "podinfo", Repo + ":6.0.0");
        var good = EventGridEvent("good", "6.0.1", EventGridDigest, s_t0).Trim()[1..^1];
        var bad = EventGridEvent("bad", "6.0.2", "", s_t0).Trim()[1..^1];

        var response = await harness.SendAsync(Post($"[{good},{bad}]"));

        Assert.Equal(400, response.Status);
        Assert.Empty(harness.Catalog.Patches);
    }

    [Theory]
    [InlineData("[]", "application/json")]
    [InlineData(" [ ] ", "application/json")]
    [InlineData("[]", "application/cloudevents-batch+json")]
    public async Task HandleAsync_EmptyArray_Is200WithNoEvents(string body, string contentType)
    {
        var harness = new RegistryHarness();

        var response = await harness.SendAsync(Post(body, contentType));

        Assert.Equal(200, response.Status);
        Assert.Empty(Report(response).Events);
    }

    [Theory]
    [InlineData("Microsoft.ContainerRegistry.ChartPushed", "is not deployed")]
    [InlineData("Microsoft.ContainerRegistry.ImageDeleted", "is not deployed")]
    [InlineData("Microsoft.ContainerRegistry.ChartDeleted", "is not deployed")]
    [InlineData("Contoso.Something.Happened", "is not handled")]
    public async Task HandleAsync_OtherEventTypes_Are200AndIgnored(string type, string reason)
    {
        var harness = new RegistryHarness();
        harness.Catalog.Add("test", "podinfo", Repo + ":6.0.0");

        var response = await harness.SendAsync(Post(EventGridEvent("x", "6.0.1", EventGridDigest, s_t0, type)));

        Assert.Equal(200, response.Status);
        Assert.Empty(harness.Catalog.Patches);
        var e = Assert.Single(Report(response).Events);
        Assert.Equal(EventOutcome.Ignored, e.Outcome);
        Assert.Contains(reason, e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_PushWithoutTag_Is200AndIgnored()
    {
        var harness = new RegistryHarness();
        harness.Catalog.Add("test", "podinfo", Repo + ":6.0.0");

        var response = await harness.SendAsync(Post(EventGridEvent("x", "", EventGridDigest, s_t0)));

        Assert.Equal(200, response.Status);
        Assert.Empty(harness.Catalog.Patches);
        Assert.Contains("without a tag", Assert.Single(Report(response).Events).Reason, StringComparison.Ordinal);
    }

    public enum FailurePoint
    {
        ListCanaries,
        PatchTarget,
        SignalRollout,
        RecordDelivery,
    }

    public static TheoryData<FailurePoint, Exception> TransientFailures => new()
    {
        { FailurePoint.ListCanaries, new HttpRequestException("Connection refused", new System.Net.Sockets.SocketException(111)) },
        { FailurePoint.ListCanaries, new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout", new TimeoutException()) },
        { FailurePoint.ListCanaries, KubernetesError(HttpStatusCode.ServiceUnavailable) },
        { FailurePoint.PatchTarget, KubernetesError(HttpStatusCode.InternalServerError) },
        { FailurePoint.PatchTarget, KubernetesError(HttpStatusCode.TooManyRequests) },
        { FailurePoint.PatchTarget, new HttpRequestException("reset", new IOException("connection reset")) },
        { FailurePoint.SignalRollout, new RequestFailedException(503, "Server busy") },
        { FailurePoint.RecordDelivery, new RequestFailedException(0, "No such host") },
        { FailurePoint.RecordDelivery, new RequestFailedException(408, "Timeout") },
    };

    [Theory]
    [MemberData(nameof(TransientFailures))]
    public async Task HandleAsync_TransientDependencyFailure_Is503AndTheRedeliverySucceeds(FailurePoint point, Exception failure)
    {
        var harness = new RegistryHarness();
        harness.Catalog.Add("test", "podinfo", Repo + ":6.0.0");
        Inject(harness, point, failure);

        var first = await harness.SendAsync(Post(EventGridPush));
        Assert.Equal(503, first.Status);
        Assert.Equal(EventOutcome.Failed, Assert.Single(Report(first).Events).Outcome);
        Assert.Empty(harness.Store.Deliveries);

        var redelivery = await harness.SendAsync(Post(EventGridPush));

        Assert.Equal(200, redelivery.Status);
        Assert.Equal(EventGridImage, harness.Catalog.Image("test", "podinfo"));
        Assert.Single(harness.Catalog.Patches);
        Assert.Contains(EventGridId, harness.Store.Deliveries);
        Assert.Equal(EventOutcome.Handled, Assert.Single(Report(redelivery).Events).Outcome);

        // One wake-up per patch: the redelivery finds the target at the push and wakes nothing; a wake-up that
        // failed is made good by the sweep, which finds the changed target.
        Assert.All(harness.Scheduler.Signals, s => Assert.Equal(RolloutSignal.NewImage, s.Signal));
        Assert.Equal(point == FailurePoint.SignalRollout ? 0 : 1, harness.Scheduler.Signals.Count);
    }

    [Theory]
    [InlineData("the Canary is invalid (spec.analysis.maxWeight: must be between 1 and 100); the push was not deployed")]
    [InlineData("the Canary is not initialised yet (its primary is not ready); the push was not deployed")]
    public async Task HandleAsync_InvalidOrUninitialisedCanary_IsNotPatched_AndTheCanaryGetsAWarningNamingWhy(string reason)
    {
        var harness = new RegistryHarness();
        harness.Catalog.Add("test", "podinfo", Repo + ":6.0.0").Block("test", "podinfo", reason);
        harness.Catalog.Add("test", "other", Repo + ":6.0.0");

        var response = await harness.SendAsync(Post(EventGridPush));

        Assert.Equal(200, response.Status);
        Assert.Equal(Repo + ":6.0.0", harness.Catalog.Image("test", "podinfo"));
        Assert.Equal(EventGridImage, harness.Catalog.Image("test", "other"));
        var skipped = Assert.Single(Assert.Single(Report(response).Events).Canaries, c => c.Name == "podinfo");
        Assert.Equal((CanaryOutcome.Skipped, reason), (skipped.Outcome, skipped.Reason));
        var warning = Assert.Single(harness.Catalog.Warnings);
        Assert.Equal(("test", "podinfo"), (warning.Namespace, warning.Name));
        Assert.Contains(reason, warning.Message, StringComparison.Ordinal);
        Assert.Equal(["other"], harness.Scheduler.Signals.Select(s => s.Name));
    }

    [Fact]
    public async Task HandleAsync_BatchOfPushes_ListsTheCatalogOnce_AndRereadsOnlyATargetItPatchedWhenPushedAgain()
    {
        var harness = new RegistryHarness();
        harness.Catalog.Add("test", "podinfo", Repo + ":6.0.0");
        harness.Catalog.Add("test", "other", RegistryHost + "/other:1.0.0");
        var at = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
        string Event(string id, string tag, int minute, string repository = "podinfo") =>
            EventGridEvent(id, tag, $"sha256:{minute:D64}", at.AddMinutes(minute), repository: repository).Trim()[1..^1];
        var batch = $"[{Event("a", "6.0.1", 1)},{Event("b", "1.0.1", 2, "other")},{Event("c", "6.0.2", 3)},{Event("d", "6.0.3", 4)}]";

        var response = await harness.SendAsync(Post(batch));

        Assert.Equal(200, response.Status);
        Assert.StartsWith(Repo + ":6.0.3@", harness.Catalog.Image("test", "podinfo"), StringComparison.Ordinal);
        Assert.StartsWith(RegistryHost + "/other:1.0.1@", harness.Catalog.Image("test", "other"), StringComparison.Ordinal);
        Assert.All(Report(response).Events, e => Assert.Equal(CanaryOutcome.Patched, Assert.Single(e.Canaries).Outcome));
        // One list for the delivery; podinfo, patched by "a" and "c", is read again before "c" and "d".
        Assert.Equal((1, 2), harness.Catalog.Reads);
    }

    [Fact]
    public async Task HandleAsync_CanaryWhosePrimaryWasDeleted_IsNotPatched_AndTheCanaryGetsAWarningNamingThePrimary()
    {
        var harness = new RegistryHarness();
        harness.Catalog.Add("test", "podinfo", Repo + ":6.0.0").WithoutPrimary("test", "podinfo");

        var response = await harness.SendAsync(Post(EventGridPush));

        Assert.Equal(200, response.Status);
        Assert.Equal(Repo + ":6.0.0", harness.Catalog.Image("test", "podinfo"));
        var skipped = Assert.Single(Assert.Single(Report(response).Events).Canaries);
        Assert.Equal(CanaryOutcome.Skipped, skipped.Outcome);
        Assert.Contains("podinfo-primary.test does not exist", skipped.Reason, StringComparison.Ordinal);
        Assert.Contains("podinfo-primary.test", Assert.Single(harness.Catalog.Warnings).Message, StringComparison.Ordinal);
        Assert.Empty(harness.Scheduler.Signals);
    }

    [Theory]
    [InlineData("\"id\": \"\",")]
    [InlineData("\"id\": \"   \",")]
    public async Task HandleAsync_EventWithAnEmptyId_Is400AndChangesNothing(string emptyId)
    {
        var harness = new RegistryHarness();
        harness.Catalog.Add("test", "podinfo", Repo + ":6.0.0");
        var body = new System.Text.RegularExpressions.Regex("\"id\":\\s*\"[^\"]*\",").Replace(EventGridPush, emptyId, 1);
        Assert.NotEqual(EventGridPush, body);

        var response = await harness.SendAsync(Post(body));

        Assert.Equal(400, response.Status);
        Assert.Empty(harness.Catalog.Patches);
        Assert.Empty(harness.Scheduler.Signals);
        Assert.Empty(harness.Store.Deliveries);
    }

    [Fact]
    public async Task HandleAsync_SignalFailedAfterPatch_RedeliveryIsUnchangedAndWakesNothing()
    {
        var harness = new RegistryHarness();
        harness.Catalog.Add("test", "podinfo", Repo + ":6.0.0");
        harness.Scheduler.Failures.Enqueue(new HttpRequestException("task hub unreachable"));

        Assert.Equal(503, (await harness.SendAsync(Post(EventGridPush))).Status);
        Assert.Equal(EventGridImage, harness.Catalog.Image("test", "podinfo"));
        Assert.Empty(harness.Scheduler.Signals);

        var redelivery = await harness.SendAsync(Post(EventGridPush));
        var duplicate = await harness.SendAsync(Post(EventGridPush));

        // The target already runs the push: no second wake-up (the sweep finds the changed target and starts its rollout).
        Assert.Empty(harness.Scheduler.Signals);
        Assert.Single(harness.Catalog.Patches);
        Assert.Equal(CanaryOutcome.Unchanged, Assert.Single(Assert.Single(Report(redelivery).Events).Canaries).Outcome);
        Assert.Equal(CanaryOutcome.Unchanged, Assert.Single(Assert.Single(Report(duplicate).Events).Canaries).Outcome);
    }

    [Theory]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.UnprocessableEntity)]
    public async Task HandleAsync_PermanentKubernetesRefusal_Is500AndNotRecorded(HttpStatusCode status)
    {
        var harness = new RegistryHarness();
        harness.Catalog.Add("test", "podinfo", Repo + ":6.0.0");
        harness.Catalog.PatchFailures.Enqueue(KubernetesError(status));

        var response = await harness.SendAsync(Post(EventGridPush));

        Assert.Equal(500, response.Status);
        Assert.Contains($"kubernetes answered {(int)status}", Assert.Single(Report(response).Events).Reason, StringComparison.Ordinal);
        Assert.Empty(harness.Store.Deliveries);
    }

    [Fact]
    public async Task HandleAsync_CallerCancels_ThrowsRatherThanAnswering503()
    {
        var harness = new RegistryHarness();
        harness.Catalog.Add("test", "podinfo", Repo + ":6.0.0");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        harness.Catalog.ListFailures.Enqueue(new OperationCanceledException(cancelled.Token));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => harness.Webhook.HandleAsync(Post(EventGridPush), cancelled.Token));
    }

    [Fact]
    public async Task HandleAsync_TargetMovedAheadDuringThePatch_DecidesAgainAndDoesNotDowngrade()
    {
        var harness = new RegistryHarness();
        harness.Catalog.Add("test", "podinfo", Repo + ":6.0.0");
        var raced = false;
        harness.Catalog.BeforePatch = (catalog, target) =>
        {
            if (!raced)
            {
                raced = true;
                catalog.SetImageDirectly(target.Namespace, target.Name, "podinfo", Repo + ":6.0.5");
            }
        };

        var response = await harness.SendAsync(Post(EventGridPush));

        Assert.Equal(200, response.Status);
        Assert.Equal(Repo + ":6.0.5", harness.Catalog.Image("test", "podinfo"));
        Assert.Empty(harness.Catalog.Patches);
        Assert.Empty(harness.Scheduler.Signals);
        Assert.Contains("would downgrade the running '6.0.5'", Assert.Single(Assert.Single(Report(response).Events).Canaries).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_TargetKeepsChanging_Is503()
    {
        var harness = new RegistryHarness();
        harness.Catalog.Add("test", "podinfo", Repo + ":6.0.0");
        harness.Catalog.BeforePatch = (catalog, target) => catalog.SetImageDirectly(target.Namespace, target.Name, "podinfo", Repo + ":6.0.0");

        var response = await harness.SendAsync(Post(EventGridPush));

        Assert.Equal(503, response.Status);
        Assert.Equal(CanaryOutcome.Failed, Assert.Single(Assert.Single(Report(response).Events).Canaries).Outcome);
        Assert.Empty(harness.Store.Deliveries);
    }

    [Fact]
    public async Task HandleAsync_BatchOfTwoPushes_AppliesBothInOrder()
    {
        var harness = new RegistryHarness();
        harness.Catalog.Add("test", "podinfo", Repo + ":6.0.0");
        var first = EventGridEvent("a", "6.0.1", EventGridDigest, s_t0).Trim()[1..^1];
        var second = EventGridEvent("b", "6.0.2", CloudEventDigest, s_t0.AddMinutes(1)).Trim()[1..^1];

        var response = await harness.SendAsync(Post($"[{first},{second}]"));

        Assert.Equal(200, response.Status);
        Assert.Equal(Repo + ":6.0.2@" + CloudEventDigest, harness.Catalog.Image("test", "podinfo"));
        Assert.Equal([Repo + ":6.0.1@" + EventGridDigest, Repo + ":6.0.2@" + CloudEventDigest], harness.Catalog.Patches.Select(p => p.Image));
        Assert.Equal([RolloutSignal.NewImage, RolloutSignal.NewImage], harness.Scheduler.Signals.Select(s => s.Signal));
        Assert.Equal([EventOutcome.Handled, EventOutcome.Handled], Report(response).Events.Select(e => e.Outcome));
    }

    [Fact]
    public async Task HandleAsync_Response_IsJsonForEventGridDeliveryLogs()
    {
        var harness = new RegistryHarness();
        harness.Catalog.Add("test", "podinfo", Repo + ":6.0.0");

        var response = await harness.SendAsync(Post(EventGridPush));

        Assert.StartsWith("application/json", response.Headers["Content-Type"], StringComparison.Ordinal);
        using var json = JsonDocument.Parse(Encoding.UTF8.GetBytes(response.Body!));
        var canary = json.RootElement.GetProperty("events")[0].GetProperty("canaries")[0];
        Assert.Equal("patched", canary.GetProperty("outcome").GetString());
        Assert.Equal(EventGridImage, canary.GetProperty("to").GetString());
    }

    private static void Inject(RegistryHarness harness, FailurePoint point, Exception failure)
    {
        var queue = point switch
        {
            FailurePoint.ListCanaries => harness.Catalog.ListFailures,
            FailurePoint.PatchTarget => harness.Catalog.PatchFailures,
            FailurePoint.SignalRollout => harness.Scheduler.Failures,
            _ => harness.Store.DeliveryFailures,
        };
        queue.Enqueue(failure);
    }

    internal static HttpOperationException KubernetesError(HttpStatusCode status) => new($"Operation returned an invalid status code '{status}'")
    {
        Response = new HttpResponseMessageWrapper(new HttpResponseMessage(status) { ReasonPhrase = status.ToString() }, ""),
    };
}
