using System.Text.Json.Nodes;

namespace Flagger.Sandbox.Kubernetes;

/// <summary>
/// The part of kube-apiserver's Service validation (<c>ValidateService</c>) that generated Services can trip:
/// with more than one port every port needs a name, names are unique, and so is each (port, protocol).
/// </summary>
internal static class ServiceValidation
{
    public static void Check(ApiResource resource, string name, JsonObject obj)
    {
        if (resource.Group != "" || resource.Kind != "Service" || obj["spec"]?["ports"] is not JsonArray ports)
        {
            return;
        }

        List<string> problems = [];
        HashSet<string> names = [];
        HashSet<(long, string)> numbers = [];
        for (var i = 0; i < ports.Count; i++)
        {
            var portName = (string?)ports[i]?["name"] ?? "";
            var protocol = (string?)ports[i]?["protocol"] ?? "TCP";
            var number = JsonFields.Int64(ports[i]?["port"]) ?? 0;
            if (portName.Length == 0 && ports.Count > 1)
            {
                problems.Add($"spec.ports[{i}].name: Required value");
            }
            else if (portName.Length > 0 && !names.Add(portName))
            {
                problems.Add($"spec.ports[{i}].name: Duplicate value: \"{portName}\"");
            }

            if (!numbers.Add((number, protocol)))
            {
                problems.Add($"spec.ports[{i}]: Duplicate value: core.ServicePort{{Protocol:\"{protocol}\", Port:{number}}}");
            }
        }

        if (problems.Count > 0)
        {
            throw ApiError.Invalid(resource, name, problems.Count == 1 ? problems[0] : $"[{string.Join(", ", problems)}]");
        }
    }
}
