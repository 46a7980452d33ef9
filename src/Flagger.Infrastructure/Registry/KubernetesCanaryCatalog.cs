using System.Net;
using System.Text.Json;
using Flagger.Core.Analysis;
using Flagger.Core.Model;
using Flagger.Core.Ports;
using Flagger.Core.Registry;
using Flagger.Infrastructure.Kubernetes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flagger.Infrastructure.Registry;

/// <summary>
/// Canaries and their target Deployments through the API server: the Canaries of the watched namespaces (all
/// when none are set) matching the label selector, each with its target's containers. Canaries are read one
/// by one from the list: one that cannot be read (a value the CRD schema allows but the model cannot hold)
/// is logged, given a Warning Event, and skipped, and every other canary carries on. A target of an invalid
/// or uninitialised Canary is listed as <see cref="CanaryTarget.Blocked"/>, and a patch is refused while the
/// primary Deployment does not exist: a push never deploys to either. A target that Flux or Argo CD applies
/// from Git says so (<see cref="CanaryTarget.ManagedBy"/>, read from the listed Deployment: no extra call).
/// </summary>
public sealed partial class KubernetesCanaryCatalog(
    IKubernetes client, IOptions<RegistryOptions> options, IEventRecorder events, ILogger<KubernetesCanaryCatalog> logger) : ICanaryCatalog
{
    /// <summary>
    /// Two kinds of list call, whatever the number of canaries: the Canaries, then the Deployments of each
    /// namespace that holds one (a GET per target made a push at 500 canaries cost 500 requests).
    /// </summary>
    public async Task<IReadOnlyList<CanaryTarget>> ListAsync(CancellationToken cancellationToken)
    {
        var canaries = await ListCanariesAsync(cancellationToken);
        var targets = new List<CanaryTarget>(canaries.Count);
        foreach (var inNamespace in canaries.GroupBy(c => c.Metadata.NamespaceProperty, StringComparer.Ordinal))
        {
            if (!inNamespace.Any(IsDeploymentTarget))
            {
                continue;
            }

            var deployments = (await client.AppsV1.ListNamespacedDeploymentAsync(inNamespace.Key, cancellationToken: cancellationToken)).Items
                .ToDictionary(d => d.Metadata.Name, StringComparer.Ordinal);
            foreach (var canary in inNamespace.Where(IsDeploymentTarget))
            {
                targets.Add(ToTarget(canary, deployments.GetValueOrDefault(canary.Spec.TargetRef.Name), options.Value.GitOpsLabelKeys()));
            }
        }

        return targets;
    }

    public async Task<CanaryTarget?> GetAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        var canary = await KubernetesErrors.NullWhenMissingAsync(() => client.CustomObjects.GetNamespacedCustomObjectAsync<Canary>(
            FlaggerApi.Group, FlaggerApi.Version, @namespace, Canary.KubePlural, name, cancellationToken));
        return canary is null ? null : await ReadTargetAsync(canary, cancellationToken);
    }

    public async Task<ImagePatchOutcome> SetImageAsync(CanaryTarget target, string container, string image, DateTimeOffset pushedAt, CancellationToken cancellationToken)
    {
        if (target.ResourceVersion is null)
        {
            return ImagePatchOutcome.Conflict;
        }

        // The phase says initialised; the primary's existence proves it (it may have been deleted since). Read
        // only here, for a push about to be deployed, so a listing costs no extra call per canary.
        var primary = await KubernetesErrors.NullWhenMissingAsync(
            () => client.AppsV1.ReadNamespacedDeploymentAsync($"{target.Deployment}-primary", target.Namespace, cancellationToken: cancellationToken));
        if (primary is null)
        {
            return ImagePatchOutcome.Uninitialised;
        }

        var body = TargetImagePatch.Build(container, image, target.ResourceVersion, pushedAt);
        try
        {
            await client.AppsV1.PatchNamespacedDeploymentAsync(
                new V1Patch(body, V1Patch.PatchType.StrategicMergePatch), target.Deployment, target.Namespace, cancellationToken: cancellationToken);
            return ImagePatchOutcome.Patched;
        }
        catch (HttpOperationException e) when (e.IsConflict())
        {
            return ImagePatchOutcome.Conflict;
        }
        catch (HttpOperationException e) when (e.IsNotFound())
        {
            return ImagePatchOutcome.NotFound;
        }
    }

    private async Task<IReadOnlyList<Canary>> ListCanariesAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var selector = string.IsNullOrWhiteSpace(settings.LabelSelector) ? null : settings.LabelSelector.Trim();
        var namespaces = settings.Namespaces();
        if (namespaces.Count == 0)
        {
            // Untyped on purpose: the items are read one by one (ReadList), so one unreadable Canary hides no other.
            var all = await client.CustomObjects.ListClusterCustomObjectAsync(
                FlaggerApi.Group, FlaggerApi.Version, Canary.KubePlural, labelSelector: selector, cancellationToken: cancellationToken);
            return await ReadListAsync(all, cancellationToken);
        }

        var canaries = new List<Canary>();
        foreach (var ns in namespaces.Order(StringComparer.Ordinal))
        {
            try
            {
                var list = await client.CustomObjects.ListNamespacedCustomObjectAsync(
                    FlaggerApi.Group, FlaggerApi.Version, ns, Canary.KubePlural, labelSelector: selector, cancellationToken: cancellationToken);
                canaries.AddRange(await ReadListAsync(list, cancellationToken));
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                // A watched namespace that does not exist (yet) holds no canaries.
            }
        }

        return canaries;
    }

    private async Task<List<Canary>> ReadListAsync(object raw, CancellationToken cancellationToken)
    {
        var canaries = new List<Canary>();
        var list = (JsonElement)raw;
        if (!list.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Array)
        {
            return canaries;
        }

        foreach (var item in items.EnumerateArray())
        {
            Exception? unreadable = null;
            try
            {
                canaries.Add(KubernetesJson.Deserialize<Canary>(item.GetRawText()));
            }
            catch (Exception e) when (e is JsonException or FormatException or OverflowException or InvalidOperationException)
            {
                unreadable = e;
            }

            if (unreadable is not null)
            {
                await UnreadableAsync(item, unreadable, cancellationToken);
            }
        }

        return canaries;
    }

    /// <summary>Logs the unreadable Canary and puts an Error Event on it (the recorder never throws).</summary>
    private async Task UnreadableAsync(JsonElement item, Exception error, CancellationToken cancellationToken)
    {
        var metadata = item.TryGetProperty("metadata", out var m) ? m : default;
        string? Read(string property) =>
            metadata.ValueKind == JsonValueKind.Object && metadata.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : null;

        var (ns, name) = (Read("namespace") ?? "", Read("name") ?? "");
        var message = $"Canary {name}.{ns} cannot be read and is skipped: {error.Message}";
        LogUnreadable(logger, ns, name, error.Message);
        if (ns.Length > 0 && name.Length > 0)
        {
            var stub = new Canary { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Uid = Read("uid") } };
            await events.RecordAsync(stub, new RecordEvent(EventSeverity.Error, message, null), cancellationToken);
        }
    }

    public Task WarnAsync(CanaryTarget target, string message, CancellationToken cancellationToken) =>
        RecordAsync(target, EventSeverity.Warning, message, cancellationToken);

    public Task InformAsync(CanaryTarget target, string message, CancellationToken cancellationToken) =>
        RecordAsync(target, EventSeverity.Info, message, cancellationToken);

    private Task RecordAsync(CanaryTarget target, EventSeverity severity, string message, CancellationToken cancellationToken) =>
        events.RecordAsync(
            new Canary { Metadata = new V1ObjectMeta { Name = target.Name, NamespaceProperty = target.Namespace, Uid = target.Uid } },
            new RecordEvent(severity, message, null),
            cancellationToken);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Warning, Message = "Canary {CanaryNamespace}/{CanaryName} cannot be read and is skipped: {Error}")]
    private static partial void LogUnreadable(ILogger logger, string canaryNamespace, string canaryName, string error);

    private static bool IsDeploymentTarget(Canary canary) =>
        !string.IsNullOrEmpty(canary.Spec.TargetRef.Name) && canary.Spec.TargetRef.Kind is null or "" or "Deployment";

    private async Task<CanaryTarget?> ReadTargetAsync(Canary canary, CancellationToken cancellationToken)
    {
        if (!IsDeploymentTarget(canary))
        {
            return null;
        }

        var deployment = await KubernetesErrors.NullWhenMissingAsync(
            () => client.AppsV1.ReadNamespacedDeploymentAsync(canary.Spec.TargetRef.Name, canary.Metadata.NamespaceProperty, cancellationToken: cancellationToken));
        return ToTarget(canary, deployment, options.Value.GitOpsLabelKeys());
    }

    /// <param name="gitOpsLabels">Label keys that mark a GitOps-managed target besides Flux's and Argo CD's own.</param>
    private static CanaryTarget ToTarget(Canary canary, V1Deployment? deployment, IReadOnlyList<string> gitOpsLabels)
    {
        var reference = canary.Spec.TargetRef;
        var ns = canary.Metadata.NamespaceProperty;
        if (deployment is null)
        {
            // Still listed, so the sweep starts its rollout and the tick says, in an Event, that the target is missing.
            return new CanaryTarget(ns, canary.Metadata.Name, new Dictionary<string, string>(), reference.Name, null, [], null)
            {
                Blocked = $"deployment {reference.Name}.{ns} not found",
                Uid = canary.Metadata.Uid,
            };
        }

        var containers = (deployment.Spec?.Template?.Spec?.Containers ?? [])
            .Where(c => !string.IsNullOrEmpty(c.Image))
            .Select(c => new TargetContainer(c.Name, c.Image))
            .ToList();
        var annotations = deployment.Metadata.Annotations;
        return new CanaryTarget(
            ns,
            canary.Metadata.Name,
            new Dictionary<string, string>(canary.Metadata.Annotations ?? new Dictionary<string, string>(), StringComparer.Ordinal),
            reference.Name,
            deployment.Metadata.ResourceVersion,
            containers,
            TargetImagePatch.ParsePushedAt(annotations is not null && annotations.TryGetValue(TargetImagePatch.LastPushAnnotation, out var at) ? at : null))
        {
            Blocked = Blocked(canary),
            Uid = canary.Metadata.Uid,
            ManagedBy = GitOpsOwnership.Detect(deployment.Metadata, gitOpsLabels),
        };
    }

    /// <summary>A push reaches users only through an analysis: never to an invalid Canary, nor before its primary exists, nor once the Canary is being deleted.</summary>
    private static string? Blocked(Canary canary)
    {
        var validation = CanaryValidator.Validate(canary);
        if (!validation.IsValid)
        {
            return $"the Canary is invalid ({string.Join("; ", validation.Errors)}); the push was not deployed";
        }

        if (CanaryFinalizer.IsBeingDeleted(canary))
        {
            return "the Canary is being deleted; the push was not deployed";
        }

        return CanaryPhases.IsInitializing(canary.Status?.Phase)
            ? "the Canary is not initialised yet (its primary is not ready); the push was not deployed"
            : null;
    }
}
