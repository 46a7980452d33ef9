using Flagger.Core.Model;
using k8s.Models;

namespace Flagger.Infrastructure.Kubernetes;

/// <summary>Objects Flagger generates are owned by their Canary, so Kubernetes garbage-collects them with it.</summary>
public static class OwnerReference
{
    public static V1OwnerReference To(Canary canary) => new()
    {
        ApiVersion = FlaggerApi.GroupVersion,
        Kind = Canary.KubeKind,
        Name = canary.Metadata.Name,
        Uid = canary.Metadata.Uid,
        Controller = true,
        BlockOwnerDeletion = true,
    };

    public static bool IsOwnedBy(V1ObjectMeta metadata, Canary canary) =>
        metadata.OwnerReferences?.Any(o => o.Kind == Canary.KubeKind && o.Name == canary.Metadata.Name && o.Controller == true) == true;
}
