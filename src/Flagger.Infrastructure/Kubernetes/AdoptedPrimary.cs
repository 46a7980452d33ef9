using Flagger.Core.Model;
using Flagger.Core.Workloads;
using k8s;
using k8s.Models;

namespace Flagger.Infrastructure.Kubernetes;

/// <summary>
/// Whether a primary Deployment someone else promoted (Flagger, at adoption) is the copy of the target that our
/// promotion would make. Pure: no I/O.
/// </summary>
public static class AdoptedPrimary
{
    /// <summary>
    /// Promotes the target onto a blank Deployment (<see cref="PrimaryDeployment.Promote"/>: selector label
    /// renamed, tracked config references pointed at their <c>-primary</c> copies, anti-affinity rewritten) and
    /// compares that pod template with the primary's, both with the <c>flagger-id</c> annotation removed (Flagger's
    /// is a random UUID per promotion, ours the revision) and in key-sorted JSON, the way revisions are hashed.
    /// </summary>
    /// <param name="primaryConfigs">Keys (<c>configmap/name</c>, <c>secret/name</c>) of the target's tracked configs.</param>
    public static bool TemplateMatches(V1Deployment primary, Canary canary, V1Deployment target, SelectorLabel selector, IReadOnlySet<string> primaryConfigs)
    {
        ArgumentNullException.ThrowIfNull(primary);
        ArgumentNullException.ThrowIfNull(target);
        if (primary.Spec?.Template is null || target.Spec?.Template is null)
        {
            return false;
        }

        var expected = new V1Deployment { Metadata = new V1ObjectMeta(), Spec = new V1DeploymentSpec() };
        PrimaryDeployment.Promote(expected, canary, target, selector, primaryConfigs, revision: "");
        return PodTemplateHash.Compute(Normalised(expected.Spec.Template)) == PodTemplateHash.Compute(Normalised(primary.Spec.Template));
    }

    private static V1PodTemplateSpec Normalised(V1PodTemplateSpec template)
    {
        var copy = KubernetesJson.Deserialize<V1PodTemplateSpec>(KubernetesJson.Serialize(template));
        copy.Metadata ??= new V1ObjectMeta();
        copy.Metadata.Annotations?.Remove(PrimaryDeployment.FlaggerIdAnnotation);
        if (copy.Metadata.Annotations is { Count: 0 })
        {
            copy.Metadata.Annotations = null;
        }

        if (copy.Metadata.Labels is { Count: 0 })
        {
            copy.Metadata.Labels = null;
        }

        return copy;
    }
}
