using k8s.Models;

namespace Flagger.Testing.Kubernetes;

/// <summary>A minimal Deployment to seed into the fake API server: selected by <c>app: &lt;name&gt;</c>, with the given containers.</summary>
public static class TestDeployments
{
    public static V1Deployment Of(string @namespace, string name, params V1Container[] containers) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace },
        Spec = new V1DeploymentSpec
        {
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec { Containers = [.. containers] },
            },
        },
    };
}
