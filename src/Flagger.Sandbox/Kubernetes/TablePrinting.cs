using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Flagger.Sandbox.Kubernetes;

/// <summary>
/// Server-side printing: a GET whose <c>Accept</c> asks for <c>application/json;as=Table;v=v1;g=meta.k8s.io</c>
/// (what kubectl get sends) answers a <c>meta.k8s.io/v1</c> Table. Custom resources print NAME and their
/// CRD's printer columns; built-ins print kube-apiserver's columns. Like the real server, every column is
/// filled (the wide ones too, at priority 1) and kubectl hides what its output format does not show.
/// </summary>
internal static class TablePrinting
{
    private static readonly Column s_name = new("Name", "string", "name",
        "Name must be unique within a namespace. Is required when creating resources.");

    private static readonly Column s_age = new("Age", "string", "",
        "CreationTimestamp is a timestamp representing the server time when this object was created.");

    /// <summary>Whether the request's <c>Accept</c> header lists the v1 Table (in any position, as kubectl sends it first with fallbacks).</summary>
    public static bool IsRequested(HttpRequest request) =>
        request.Headers.Accept.SelectMany(value => (value ?? "").Split(','))
            .Select(MediaTypeParameters)
            .Any(p => p.GetValueOrDefault("as") == "Table" && p.GetValueOrDefault("g") == "meta.k8s.io" && p.GetValueOrDefault("v") == "v1");

    /// <summary>The Table for some objects (stored form, with kind and apiVersion as they are answered).</summary>
    /// <param name="includeObject">The <c>includeObject</c> query: <c>None</c>, <c>Metadata</c> (default) or <c>Object</c>.</param>
    public static JsonObject Table(
        ApiResource resource, IEnumerable<JsonObject> objects, string resourceVersion, DateTimeOffset now, string? includeObject)
    {
        var columns = ColumnsOf(resource);
        var rows = new JsonArray();
        foreach (var obj in objects)
        {
            var row = new JsonObject { ["cells"] = new JsonArray([.. columns.Select(c => c.Cell(obj, now))]) };
            switch (string.IsNullOrEmpty(includeObject) ? "Metadata" : includeObject)
            {
                case "None":
                    break;
                case "Object":
                    row["object"] = obj.DeepClone();
                    break;
                case "Metadata":
                    row["object"] = new JsonObject
                    {
                        ["kind"] = "PartialObjectMetadata",
                        ["apiVersion"] = "meta.k8s.io/v1",
                        ["metadata"] = obj["metadata"]?.DeepClone(),
                    };
                    break;
                default:
                    throw ApiError.BadRequest($"includeObject: Unsupported value: \"{includeObject}\": supported values: \"None\", \"Metadata\", \"Object\"");
            }

            rows.Add(row);
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = resourceVersion },
            ["columnDefinitions"] = new JsonArray([.. columns.Select(c => (JsonNode)c.Definition())]),
            ["rows"] = rows,
        };
    }

    private static IReadOnlyList<PrintedColumn> ColumnsOf(ApiResource resource)
    {
        if (resource.IsCustomResource)
        {
            return
            [
                new(s_name, (o, _) => Name(o)),
                .. resource.PrinterColumns.Select(c => new PrintedColumn(
                    new Column(c.Name, c.Type, c.Format, c.Description, c.Priority), (o, now) => CustomCell(c, o, now))),
            ];
        }

        PrintedColumn age = new(s_age, (o, now) => Age(o["metadata"]?["creationTimestamp"], now));
        if (resource == ApiResources.Deployments)
        {
            return
            [
                new(s_name, (o, _) => Name(o)),
                new(new Column("Ready", "string", "", "Number of the pod with ready state"),
                    (o, _) => $"{Int(o["status"]?["readyReplicas"])}/{JsonFields.Int64(o["spec"]?["replicas"]) ?? 1}"),
                new(new Column("Up-to-date", "string", "", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
                    (o, _) => Int(o["status"]?["updatedReplicas"])),
                new(new Column("Available", "string", "", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
                    (o, _) => Int(o["status"]?["availableReplicas"])),
                age,
                new(new Column("Containers", "string", "", "Names of each container in the template.", 1),
                    (o, _) => Join(Containers(o).Select(c => c["name"]?.GetValue<string>()))),
                new(new Column("Images", "string", "", "Images referenced by each container in the template.", 1),
                    (o, _) => Join(Containers(o).Select(c => c["image"]?.GetValue<string>()))),
                new(new Column("Selector", "string", "", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.", 1),
                    (o, _) => Selector(o["spec"]?["selector"])),
            ];
        }

        if (resource == ApiResources.Services)
        {
            return
            [
                new(s_name, (o, _) => Name(o)),
                new(new Column("Type", "string", "", "The type of the service."), (o, _) => ServiceType(o)),
                new(new Column("Cluster-IP", "string", "", "The IP address of the service."),
                    (o, _) => Text(o["spec"]?["clusterIP"]) is { Length: > 0 } ip ? ip : "<none>"),
                new(new Column("External-IP", "string", "", "The list of external IP addresses for this service."), (o, _) => ExternalIp(o)),
                new(new Column("Port(s)", "string", "", "The port(s) exposed by this service."), (o, _) => Ports(o)),
                age,
                new(new Column("Selector", "string", "", "Route service traffic to pods with label keys and values matching this selector.", 1),
                    (o, _) => Labels(o["spec"]?["selector"])),
            ];
        }

        if (resource == ApiResources.Events)
        {
            return EventColumns();
        }

        if (resource == ApiResources.ConfigMaps)
        {
            return
            [
                new(s_name, (o, _) => Name(o)),
                new(new Column("Data", "string", "", "The number of entries in the ConfigMap."),
                    (o, _) => Count(o["data"]) + Count(o["binaryData"])),
                age,
            ];
        }

        if (resource == ApiResources.Secrets)
        {
            return
            [
                new(s_name, (o, _) => Name(o)),
                new(new Column("Type", "string", "", "The type of the secret."), (o, _) => Text(o["type"]) ?? "Opaque"),
                new(new Column("Data", "string", "", "The number of entries in the secret."), (o, _) => Count(o["data"])),
                age,
            ];
        }

        if (resource == ApiResources.Namespaces)
        {
            return
            [
                new(s_name, (o, _) => Name(o)),
                new(new Column("Status", "string", "", "The status of the namespace."), (o, _) => Text(o["status"]?["phase"]) ?? "Active"),
                age,
            ];
        }

        if (resource == ApiResources.HorizontalPodAutoscalers)
        {
            return
            [
                new(s_name, (o, _) => Name(o)),
                new(new Column("Reference", "string", "", "The reference to the target."),
                    (o, _) => $"{Text(o["spec"]?["scaleTargetRef"]?["kind"])}/{Text(o["spec"]?["scaleTargetRef"]?["name"])}"),
                new(new Column("Targets", "string", "", "The current and target metrics."), (o, _) => HpaTargets(o)),
                new(new Column("MinPods", "string", "", "The minimum number of pods."), (o, _) => JsonFields.Int64(o["spec"]?["minReplicas"]) ?? 1),
                new(new Column("MaxPods", "string", "", "The maximum number of pods."), (o, _) => Int(o["spec"]?["maxReplicas"])),
                new(new Column("Replicas", "string", "", "The current number of replicas."), (o, _) => Int(o["status"]?["currentReplicas"])),
                age,
            ];
        }

        return [new(s_name, (o, _) => Name(o)), age];
    }

    private static IReadOnlyList<PrintedColumn> EventColumns()
    {
        static string Target(JsonObject o)
        {
            var kind = (Text(o["involvedObject"]?["kind"]) ?? "").ToLowerInvariant();
            return Text(o["involvedObject"]?["name"]) is { Length: > 0 } name ? $"{kind}/{name}" : kind;
        }

        static string First(JsonObject o, DateTimeOffset now) =>
            Text(o["firstTimestamp"]) is { Length: > 0 } ? Age(o["firstTimestamp"], now) : Age(o["eventTime"], now);

        static string Last(JsonObject o, DateTimeOffset now) =>
            o["series"]?["lastObservedTime"] is { } observed ? Age(observed, now)
            : Text(o["lastTimestamp"]) is { Length: > 0 } ? Age(o["lastTimestamp"], now)
            : First(o, now);

        static long EventCount(JsonObject o) =>
            JsonFields.Int64(o["series"]?["count"]) ?? (JsonFields.Int64(o["count"]) is { } n and not 0 ? n : 1);

        static string Source(JsonObject o)
        {
            var component = Text(o["source"]?["component"]) ?? "";
            var host = Text(o["source"]?["host"]) ?? "";
            if (component.Length == 0 && host.Length == 0)
            {
                component = Text(o["reportingComponent"]) ?? "";
                host = Text(o["reportingInstance"]) ?? "";
            }

            return host.Length == 0 ? component : $"{component}, {host}";
        }

        return
        [
            new(new Column("Last Seen", "string", "", "Time when the most recent occurrence of this event was recorded."), (o, now) => Last(o, now)),
            new(new Column("Type", "string", "", "Type of this event (Normal, Warning)."), (o, _) => Text(o["type"]) ?? ""),
            new(new Column("Reason", "string", "", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
                (o, _) => Text(o["reason"]) ?? ""),
            new(new Column("Object", "string", "", "The object that this event is about."), (o, _) => Target(o)),
            new(new Column("Subobject", "string", "", "The field of the object this event is about.", 1),
                (o, _) => Text(o["involvedObject"]?["fieldPath"]) ?? ""),
            new(new Column("Source", "string", "", "The component reporting this event.", 1), (o, _) => Source(o)),
            new(new Column("Message", "string", "", "A human-readable description of the status of this operation."),
                (o, _) => (Text(o["message"]) ?? "").Trim()),
            new(new Column("First Seen", "string", "", "The time at which the event was first recorded.", 1), (o, now) => First(o, now)),
            new(new Column("Count", "string", "", "The number of times this event has occurred.", 1), (o, _) => EventCount(o)),
            new(new Column("Name", "string", "", "The name of the event.", 1), (o, _) => Name(o)),
        ];
    }

    /// <summary>A CRD column's cell as apiextensions-apiserver computes it: null when the path finds nothing,
    /// text for <c>string</c>, an age for <c>date</c>, the value when it has the column's type, else null.</summary>
    private static JsonNode? CustomCell(PrinterColumn column, JsonObject obj, DateTimeOffset now)
    {
        if (SimpleJsonPath.Find(obj, column.JsonPath) is not { } value)
        {
            return null;
        }

        return column.Type switch
        {
            "string" => GoText(value),
            "date" => value.GetValueKind() == JsonValueKind.String ? Age(value, now) : null,
            "integer" => JsonFields.Int64(value),
            "number" => value.GetValueKind() == JsonValueKind.Number ? value.DeepClone() : null,
            "boolean" => value.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? value.DeepClone() : null,
            _ => GoText(value),
        };
    }

    /// <summary>How the real server's JSONPath prints a value (Go's fmt): arrays as <c>[a b]</c>, objects as <c>map[k:v]</c>.</summary>
    private static string GoText(JsonNode? value) => value switch
    {
        null => "<nil>",
        JsonArray array => "[" + string.Join(' ', array.Select(GoText)) + "]",
        JsonObject map => "map[" + string.Join(' ', map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}:{GoText(p.Value)}")) + "]",
        _ when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        _ => value.ToJsonString(),
    };

    private static string Age(JsonNode? timestamp, DateTimeOffset now) =>
        Text(timestamp) is { Length: > 0 } text
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? HumanDuration.Format(now - at)
            : "<unknown>";

    private static string Name(JsonObject obj) => Text(obj["metadata"]?["name"]) ?? "";

    private static string? Text(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;

    private static long Int(JsonNode? node) => JsonFields.Int64(node) ?? 0;

    private static int Count(JsonNode? node) => node is JsonObject map ? map.Count : 0;

    private static IEnumerable<JsonObject> Containers(JsonObject deployment) =>
        (deployment["spec"]?["template"]?["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>();

    private static string Join(IEnumerable<string?> values) => string.Join(',', values.Select(v => v ?? ""));

    private static string Labels(JsonNode? labels) =>
        labels is JsonObject { Count: > 0 } map
            ? string.Join(',', map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={Text(p.Value)}"))
            : "<none>";

    /// <summary>A LabelSelector the way <c>metav1.FormatLabelSelector</c> prints it.</summary>
    private static string Selector(JsonNode? selector)
    {
        if (selector is not JsonObject)
        {
            return "<none>";
        }

        var terms = new List<string>();
        if (selector["matchLabels"] is JsonObject { Count: > 0 } labels)
        {
            terms.Add(Labels(labels));
        }

        foreach (var expression in (selector["matchExpressions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var key = Text(expression["key"]);
            var values = string.Join(',', (expression["values"] as JsonArray ?? []).Select(Text));
            terms.Add(Text(expression["operator"]) switch
            {
                "In" => $"{key} in ({values})",
                "NotIn" => $"{key} notin ({values})",
                "Exists" => key ?? "",
                _ => $"!{key}",
            });
        }

        return terms.Count == 0 ? "<none>" : string.Join(',', terms);
    }

    private static string ServiceType(JsonObject service) => Text(service["spec"]?["type"]) ?? "ClusterIP";

    private static string ExternalIp(JsonObject service)
    {
        var external = (service["spec"]?["externalIPs"] as JsonArray ?? []).Select(Text).OfType<string>().ToList();
        switch (ServiceType(service))
        {
            case "LoadBalancer":
                var ingress = (service["status"]?["loadBalancer"]?["ingress"] as JsonArray ?? []).OfType<JsonObject>()
                    .Select(i => Text(i["ip"]) ?? Text(i["hostname"])).OfType<string>().Concat(external).ToList();
                return ingress.Count == 0 ? "<pending>" : string.Join(',', ingress);
            case "ExternalName":
                return Text(service["spec"]?["externalName"]) ?? "<none>";
            default:
                return external.Count == 0 ? "<none>" : string.Join(',', external);
        }
    }

    private static string Ports(JsonObject service)
    {
        var ports = (service["spec"]?["ports"] as JsonArray ?? []).OfType<JsonObject>().Select(p =>
        {
            var protocol = Text(p["protocol"]) ?? "TCP";
            return JsonFields.Int64(p["nodePort"]) is { } nodePort and not 0
                ? $"{Int(p["port"])}:{nodePort}/{protocol}"
                : $"{Int(p["port"])}/{protocol}";
        }).ToList();
        return ports.Count == 0 ? "<none>" : string.Join(',', ports);
    }

    /// <summary>Resource metrics as <c>cpu: 42%/80%</c> (current unknown until reported), others as <c>&lt;unknown&gt;</c>.</summary>
    private static string HpaTargets(JsonObject hpa)
    {
        var metrics = (hpa["spec"]?["metrics"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (metrics.Count == 0)
        {
            return "<none>";
        }

        var current = (hpa["status"]?["currentMetrics"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        return string.Join(", ", metrics.Select(metric =>
        {
            if (Text(metric["type"]) != "Resource" || metric["resource"] is not JsonObject resource)
            {
                return "<unknown>/<unknown>";
            }

            var name = Text(resource["name"]);
            var target = JsonFields.Int64(resource["target"]?["averageUtilization"]) is { } utilization
                ? $"{utilization}%"
                : Text(resource["target"]?["averageValue"]) ?? "<unknown>";
            var now = current.FirstOrDefault(c => Text(c["resource"]?["name"]) == name)?["resource"]?["current"];
            var shown = JsonFields.Int64(now?["averageUtilization"]) is { } u ? $"{u}%" : Text(now?["averageValue"]) ?? "<unknown>";
            return $"{name}: {shown}/{target}";
        }));
    }

    private static Dictionary<string, string> MediaTypeParameters(string mediaType)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in mediaType.Split(';').Skip(1))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                parameters[part[..equals].Trim()] = part[(equals + 1)..].Trim();
            }
        }

        return parameters;
    }

    private sealed record Column(string Name, string Type, string Format, string Description, int Priority = 0)
    {
        public JsonObject Definition() => new()
        {
            ["name"] = Name,
            ["type"] = Type,
            ["format"] = Format,
            ["description"] = Description,
            ["priority"] = Priority,
        };
    }

    private sealed record PrintedColumn(Column Column, Func<JsonObject, DateTimeOffset, JsonNode?> Value)
    {
        public JsonNode? Cell(JsonObject obj, DateTimeOffset now) => Value(obj, now);

        public JsonObject Definition() => Column.Definition();
    }
}

/// <summary>Ages the way kubectl and kube-apiserver print them (apimachinery's <c>duration.HumanDuration</c>): 90s, 5m3s, 3h12m, 4d, 2y30d.</summary>
internal static class HumanDuration
{
    public static string Format(TimeSpan d)
    {
        if (d < TimeSpan.FromSeconds(-1))
        {
            return "<invalid>";
        }

        if (d < TimeSpan.Zero)
        {
            return "0s";
        }

        var seconds = (long)d.TotalSeconds;
        if (seconds < 60 * 2)
        {
            return Invariant($"{seconds}s");
        }

        var minutes = (long)d.TotalMinutes;
        if (minutes < 10)
        {
            var s = seconds % 60;
            return s == 0 ? Invariant($"{minutes}m") : Invariant($"{minutes}m{s}s");
        }

        if (minutes < 60 * 3)
        {
            return Invariant($"{minutes}m");
        }

        var hours = (long)d.TotalHours;
        if (hours < 8)
        {
            var m = minutes % 60;
            return m == 0 ? Invariant($"{hours}h") : Invariant($"{hours}h{m}m");
        }

        if (hours < 48)
        {
            return Invariant($"{hours}h");
        }

        if (hours < 24 * 8)
        {
            var h = hours % 24;
            return h == 0 ? Invariant($"{hours / 24}d") : Invariant($"{hours / 24}d{h}h");
        }

        if (hours < 24 * 365 * 2)
        {
            return Invariant($"{hours / 24}d");
        }

        if (hours < 24 * 365 * 8)
        {
            var dy = hours / 24 % 365;
            return dy == 0 ? Invariant($"{hours / 24 / 365}y") : Invariant($"{hours / 24 / 365}y{dy}d");
        }

        return Invariant($"{hours / 24 / 365}y");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The simple JSON paths CRD printer columns use: <c>.a.b</c>, <c>.a[0].b</c>. Anything else finds nothing.</summary>
internal static class SimpleJsonPath
{
    public static JsonNode? Find(JsonNode root, string path)
    {
        var text = path.Trim();
        if (text.StartsWith('{') && text.EndsWith('}'))
        {
            text = text[1..^1];
        }

        JsonNode? current = root;
        var i = 0;
        while (i < text.Length && current is not null)
        {
            if (text[i] == '.')
            {
                var end = text.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? text.Length : end;
                current = current is JsonObject obj ? obj[text[(i + 1)..end]] : null;
                i = end;
            }
            else if (text[i] == '[')
            {
                var close = text.IndexOf(']', i);
                if (close < 0 || !int.TryParse(text[(i + 1)..close], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    return null;
                }

                current = current is JsonArray array && index < array.Count ? array[index] : null;
                i = close + 1;
            }
            else
            {
                return null;
            }
        }

        return current;
    }
}
