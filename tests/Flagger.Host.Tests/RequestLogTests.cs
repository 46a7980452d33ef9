using Microsoft.AspNetCore.Http;

namespace Flagger.Host.Tests;

public sealed class RequestLogTests
{
    [Theory]
    [InlineData("?code=s3cret", "?code=***")]
    [InlineData("?pageSize=10&code=s3cret", "?pageSize=10&code=***")]
    [InlineData("?CODE=s3cret&gate=confirm-promotion", "?CODE=***&gate=confirm-promotion")]
    [InlineData("?token=abc&sig=def", "?token=***&sig=***")]
    [InlineData("?pageSize=10", "?pageSize=10")]
    [InlineData("", "")]
    public void Redact_MasksSecretQueryValues(string query, string expected) =>
        Assert.Equal(expected, RequestLog.Redact(new QueryString(query.Length == 0 ? null : query)));
}
