using Flagger.Infrastructure;

namespace Flagger.Infrastructure.Tests;

public sealed class SecretTextTests
{
    [Theory]
    [InlineData("see https://hooks.slack.com/services/T0/B0/XYZ now", "see https://hooks.slack.com/*** now")]
    [InlineData("\"url\":\"http://10.0.0.1:8080/hook?token=abc\"", "\"url\":\"http://10.0.0.1:8080/***\"")]
    [InlineData("at https://user:pw@example.com", "at https://example.com/***")]
    [InlineData("at https://example.com/", "at https://example.com")]
    [InlineData("Authorization: Bearer abc.def.ghi", "Authorization: Bearer ***")]
    [InlineData("token=abcdef&x=1", "token=***&x=1")]
    [InlineData("{\"password\": \"hunter2\"}", "{\"password\": \"***\"}")]
    [InlineData("{\"api_key\":\"k-123\"}", "{\"api_key\":\"***\"}")]
    [InlineData("invalid xoxb-123-456-abc token", "invalid *** token")]
    [InlineData("?code=functionkey==", "?code=***")]
    public void Scrub_MasksUrlsAndCredentials(string text, string expected) =>
        Assert.Equal(expected, SecretText.Scrub(text));

    [Theory]
    [InlineData("500 internal error")]
    [InlineData("status code: 500, no_team")]
    [InlineData("rate(http_requests_total{code=~\"5..\"}[1m])")]
    [InlineData("")]
    public void Scrub_PlainDiagnostics_AreLeftAlone(string text) =>
        Assert.Equal(text, SecretText.Scrub(text));
}
