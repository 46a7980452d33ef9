using System.Text;
using Flagger.Infrastructure.Registry;
using static Flagger.Infrastructure.Tests.Registry.RegistryHarness;

namespace Flagger.Infrastructure.Tests.Registry;

public sealed class RegistryEventReaderTests
{
    [Fact]
    public void Read_EventGridFixture_YieldsThePush()
    {
        var delivery = RegistryEventReader.Read(Encoding.UTF8.GetBytes(EventGridPush), "application/json");

        var e = Assert.Single(Assert.IsType<RegistryDelivery.Events>(delivery).Items);
        Assert.Equal(
            new ImagePush(EventGridId, RegistryHost, "podinfo", "6.0.1", EventGridDigest, DateTimeOffset.Parse("2026-11-20T10:15:02.1170341Z", System.Globalization.CultureInfo.InvariantCulture)),
            e.Push);
        Assert.Equal(EventGridImage, e.Push!.Image);
    }

    [Theory]
    [InlineData("application/cloudevents+json")]
    [InlineData("application/json")]
    public void Read_CloudEventFixture_YieldsThePush(string contentType)
    {
        var delivery = RegistryEventReader.Read(Encoding.UTF8.GetBytes(CloudEventPush), contentType);

        var e = Assert.Single(Assert.IsType<RegistryDelivery.Events>(delivery).Items);
        Assert.Equal("Microsoft.ContainerRegistry.ImagePushed", e.Type);
        Assert.Equal(CloudEventImage, e.Push!.Image);
        Assert.Equal(DateTimeOffset.Parse("2026-11-20T11:02:44.6602211Z", System.Globalization.CultureInfo.InvariantCulture), e.Push.PushedAt);
    }

    [Fact]
    public void Read_ValidationFixture_YieldsTheCode()
    {
        var delivery = RegistryEventReader.Read(Encoding.UTF8.GetBytes(Validation), null);

        Assert.Equal(new RegistryDelivery.Validation("512d38b6-c7b8-40c8-89fe-f46f9e9622b6"), delivery);
    }

    [Fact]
    public void Read_PushWithoutDataTimestamp_UsesTheEventTime()
    {
        var body = EventGridPush.Replace("\"timestamp\": \"2026-11-20T10:15:02.1170341Z\",", "", StringComparison.Ordinal);

        var delivery = RegistryEventReader.Read(Encoding.UTF8.GetBytes(body), "application/json");

        var push = Assert.Single(Assert.IsType<RegistryDelivery.Events>(delivery).Items).Push!;
        Assert.Equal(DateTimeOffset.Parse("2026-11-20T10:15:02.4471121Z", System.Globalization.CultureInfo.InvariantCulture), push.PushedAt);
    }

    [Fact]
    public void Read_UpperCaseRegistryHost_MatchesLowerCaseImageNames()
    {
        var body = EventGridPush.Replace("\"host\": \"contosoacr.azurecr.io\"", "\"host\": \"ContosoACR.azurecr.io\"", StringComparison.Ordinal);

        var delivery = RegistryEventReader.Read(Encoding.UTF8.GetBytes(body), "application/json");

        Assert.Equal(Repo, Assert.Single(Assert.IsType<RegistryDelivery.Events>(delivery).Items).Push!.Name);
    }
}
