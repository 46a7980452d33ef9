using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Flagger.Deploy.Tests.Kubernetes;

/// <summary>The validator, rule by rule: one small schema, one value, the errors expected.</summary>
public sealed class StructuralSchemaTests
{
    private const string Schema = """
        type: object
        required: [name]
        anyOf:
          - required: [port]
          - required: [portName]
        properties:
          name: {type: string, pattern: "^[a-z]+$"}
          port: {type: integer, minimum: 1}
          portName: {type: string}
          ratio: {type: number}
          enabled: {type: boolean}
          targetPort: {x-kubernetes-int-or-string: true}
          kind: {type: string, enum: ["", Deployment, Service]}
          hosts: {type: array, maxItems: 2, items: {type: string}}
          labels: {type: object, additionalProperties: {type: string}}
          opaque: {type: object, x-kubernetes-preserve-unknown-fields: true}
          nested:
            type: object
            properties:
              inner: {type: string}
        """;

    public static TheoryData<string, string[]> Cases => new()
    {
        { """{"name": "web", "port": 80}""", [] },
        { """{"name": "web", "portName": "http", "ratio": 0.5, "enabled": true, "kind": ""}""", [] },
        { """{"name": "web", "port": 80, "targetPort": "http"}""", [] },
        { """{"name": "web", "port": 80, "targetPort": 8080}""", [] },
        { """{"name": "web", "port": 80, "targetPort": true}""", ["targetPort: must be an integer or a string"] },
        { """{"port": 80}""", ["name: Required value"] },
        { """{"name": null, "port": 80}""", ["name: Required value"] },
        { """{"name": "web"}""", ["<root>: must satisfy one of required [port] | required [portName]"] },
        { """{"name": "web", "port": "80"}""", ["port: must be of type integer, not String"] },
        { """{"name": "web", "port": 1.5}""", ["port: must be of type integer, not Number"] },
        { """{"name": "web", "port": 0}""", ["port: must be at least 1"] },
        { """{"name": "Web", "port": 80}""", ["name: must match ^[a-z]+$"] },
        { """{"name": "web", "port": 80, "ratio": 2}""", [] },
        { """{"name": "web", "port": 80, "enabled": "yes"}""", ["enabled: must be of type boolean, not String"] },
        { """{"name": "web", "port": 80, "kind": "Pod"}""", ["kind: Unsupported value: \"Pod\" (supported: \"\", \"Deployment\", \"Service\")"] },
        { """{"name": "web", "port": 80, "hosts": ["a", 1]}""", ["hosts[1]: must be of type string, not Number"] },
        { """{"name": "web", "port": 80, "hosts": ["a", "b", "c"]}""", ["hosts: must have at most 2 items"] },
        { """{"name": "web", "port": 80, "labels": {"a": "1", "b": 2}}""", ["labels.b: must be of type string, not Number"] },
        { """{"name": "web", "port": 80, "opaque": {"anything": {"goes": [1, "x"]}}}""", [] },
        { """{"name": "web", "port": 80, "nested": {"inner": "x", "outer": "y"}}""", ["nested.outer: unknown field"] },
        { """{"name": "web", "port": 80, "bogus": 1}""", ["bogus: unknown field"] },
        { """{"name": "web", "port": 80, "metadata": {"name": "x"}}""", [] },
        { """{"name": "web", "port": 80, "nested": []}""", ["nested: must be of type object, not Array"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Validates(string json, string[] expected)
    {
        var schema = KubernetesYaml.Deserialize<V1JSONSchemaProps>(Schema);

        var errors = StructuralSchema.Validate(schema, JsonNode.Parse(json));

        Assert.Equal(expected, errors);
    }

    [Fact]
    public void A_single_oneOf_branch_must_hold()
    {
        var schema = KubernetesYaml.Deserialize<V1JSONSchemaProps>("""
            type: object
            oneOf:
              - required: [a]
              - required: [b]
            properties:
              a: {type: string}
              b: {type: string}
            """);

        Assert.Empty(StructuralSchema.Validate(schema, JsonNode.Parse("""{"a": "x"}""")));
        Assert.Single(StructuralSchema.Validate(schema, JsonNode.Parse("""{"a": "x", "b": "y"}""")));
        Assert.Single(StructuralSchema.Validate(schema, JsonNode.Parse("{}")));
    }

    [Theory]
    [InlineData("a: 1", """{"a":1}""")]
    [InlineData("a: -2.5", """{"a":-2.5}""")]
    [InlineData("a: '1'", """{"a":"1"}""")]
    [InlineData("a: true", """{"a":true}""")]
    [InlineData("a: \"true\"", """{"a":"true"}""")]
    [InlineData("a: ~", """{"a":null}""")]
    [InlineData("a: 1m", """{"a":"1m"}""")]
    [InlineData("a: [x, 2]", """{"a":["x",2]}""")]
    [InlineData("a: |\n  text\n", """{"a":"text\n"}""")]
    public void Yaml_scalars_resolve_as_the_API_server_reads_them(string yaml, string json)
    {
        var document = Assert.Single(YamlDocuments.Parse(yaml));

        Assert.Equal(json, document.ToJsonString());
    }
}
