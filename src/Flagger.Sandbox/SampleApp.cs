using System.Globalization;
using System.Text.Json.Nodes;

namespace Flagger.Sandbox;

/// <summary>The kinds of sample Canary the sandbox installs.</summary>
public enum SampleVariant
{
    /// <summary><c>podinfo</c>: progressive traffic shifting (stepWeight up to maxWeight).</summary>
    Progressive,

    /// <summary><c>podinfo-ab</c>: A/B testing, header <c>x-canary: insider</c>, iterations.</summary>
    ABTesting,

    /// <summary><c>podinfo-bg</c>: blue/green with mirroring, iterations.</summary>
    BlueGreen,
}

/// <summary>The sample application's manifests (podinfo), as JSON objects for the fake API server.</summary>
public static class SampleApp
{
    public const string DefaultImage = "contosoacr.azurecr.io/podinfo:6.0.0";
    public const int Port = 9898;
    public const string Provider = "gatewayapi:v1";
    public const string GatewayName = "public";
    public const string GatewayNamespace = "gateway-system";
    public const string InsiderHeader = "x-canary";
    public const string InsiderValue = "insider";

    /// <summary>The Canary (and Deployment, Service, HTTPRoute) name of a variant.</summary>
    public static string NameOf(SampleVariant variant) => variant switch
    {
        SampleVariant.ABTesting => "podinfo-ab",
        SampleVariant.BlueGreen => "podinfo-bg",
        _ => "podinfo",
    };

    public static string ConfigMapName(string app) => app + "-config";

    public static JsonObject ConfigMap(string @namespace, string app) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = ConfigMapName(app), ["namespace"] = @namespace },
        ["data"] = new JsonObject { ["PODINFO_UI_COLOR"] = "#34577c", ["PODINFO_UI_MESSAGE"] = $"greetings from {app}" },
    };

    public static JsonObject Deployment(string @namespace, string app, string image, int replicas) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "Deployment",
        ["metadata"] = new JsonObject
        {
            ["name"] = app,
            ["namespace"] = @namespace,
            ["labels"] = new JsonObject { ["app"] = app },
        },
        ["spec"] = new JsonObject
        {
            ["replicas"] = replicas,
            ["minReadySeconds"] = 3,
            ["revisionHistoryLimit"] = 5,
            ["progressDeadlineSeconds"] = 60,
            ["strategy"] = new JsonObject { ["type"] = "RollingUpdate", ["rollingUpdate"] = new JsonObject { ["maxUnavailable"] = 0 } },
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = app } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = app } },
                ["spec"] = new JsonObject
                {
                    ["containers"] = new JsonArray(new JsonObject
                    {
                        ["name"] = "podinfod",
                        ["image"] = image,
                        ["imagePullPolicy"] = "IfNotPresent",
                        ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["containerPort"] = Port, ["protocol"] = "TCP" }),
                        ["command"] = new JsonArray("./podinfo", $"--port={Port}", "--level=info"),
                        ["envFrom"] = new JsonArray(new JsonObject { ["configMapRef"] = new JsonObject { ["name"] = ConfigMapName(app) } }),
                        ["resources"] = new JsonObject
                        {
                            ["requests"] = new JsonObject { ["cpu"] = "100m", ["memory"] = "64Mi" },
                            ["limits"] = new JsonObject { ["cpu"] = "1000m", ["memory"] = "128Mi" },
                        },
                    }),
                },
            },
        },
    };

    /// <summary>The sample Canary: builtin request-success-rate and request-duration, optional webhooks, and the variant's strategy.</summary>
    public static JsonObject Canary(string @namespace, SampleVariant variant, SandboxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var app = NameOf(variant);
        var analysis = new JsonObject
        {
            ["interval"] = Duration(options.AnalysisInterval),
            ["threshold"] = options.Threshold,
        };
        switch (variant)
        {
            case SampleVariant.ABTesting:
                analysis["iterations"] = options.Iterations;
                analysis["match"] = new JsonArray(new JsonObject
                {
                    ["headers"] = new JsonObject { [InsiderHeader] = new JsonObject { ["exact"] = InsiderValue } },
                });
                break;
            case SampleVariant.BlueGreen:
                analysis["iterations"] = options.Iterations;
                analysis["mirror"] = true;
                break;
            default:
                analysis["stepWeight"] = options.StepWeight;
                analysis["maxWeight"] = options.MaxWeight;
                break;
        }

        analysis["metrics"] = new JsonArray(
            new JsonObject
            {
                ["name"] = "request-success-rate",
                ["thresholdRange"] = new JsonObject { ["min"] = options.SuccessRateMin },
                ["interval"] = Duration(options.MetricInterval),
            },
            new JsonObject
            {
                ["name"] = "request-duration",
                ["thresholdRange"] = new JsonObject { ["max"] = options.DurationMaxMilliseconds },
                ["interval"] = Duration(options.MetricInterval),
            });
        var webhooks = new JsonArray();
        if (options.EventWebhookUrl is { } events)
        {
            webhooks.Add(new JsonObject { ["name"] = "events", ["type"] = "event", ["url"] = events.ToString() });
        }

        foreach (var webhook in options.ExtraWebhooks)
        {
            webhooks.Add(webhook.DeepClone());
        }

        if (webhooks.Count > 0)
        {
            analysis["webhooks"] = webhooks;
        }

        return new JsonObject
        {
            ["apiVersion"] = "flagger.app/v1beta1",
            ["kind"] = "Canary",
            ["metadata"] = new JsonObject { ["name"] = app, ["namespace"] = @namespace },
            ["spec"] = new JsonObject
            {
                ["provider"] = Provider,
                ["targetRef"] = new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["name"] = app },
                ["progressDeadlineSeconds"] = options.ProgressDeadlineSeconds,
                ["service"] = new JsonObject
                {
                    ["port"] = Port,
                    ["targetPort"] = Port,
                    ["hosts"] = new JsonArray($"{app}.contoso.example"),
                    ["gatewayRefs"] = new JsonArray(new JsonObject { ["name"] = GatewayName, ["namespace"] = GatewayNamespace }),
                },
                ["analysis"] = analysis,
            },
        };
    }

    /// <summary>A Go duration as Flagger YAML has it: whole seconds as <c>10s</c>, otherwise milliseconds.</summary>
    public static string Duration(TimeSpan value) =>
        value.Ticks % TimeSpan.TicksPerSecond == 0
            ? ((long)value.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s"
            : ((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
}
