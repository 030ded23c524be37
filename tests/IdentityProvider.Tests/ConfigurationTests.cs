using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Options;

namespace AspireAuth.IdentityProvider.Tests;

/// <summary>A client or user Trailhead ID could not serve stops it at start, with the setting named.</summary>
public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("Trailhead:Clients", "Trailhead:Clients:1:ClientId", "second-client")]
    [InlineData("Trailhead:Clients", "Trailhead:Clients:0:RedirectUris:1", "not a url")]
    [InlineData("Trailhead:Users", "Trailhead:Users:0:Email", "CLIMBER@trailhead.test")]
    [InlineData("Trailhead:Users", "Trailhead:Users:1:Subject", "trailhead-hiker")]
    public void A_client_or_user_that_cannot_work_stops_the_start(string named, string key, string value)
    {
        using var trailhead = new Trailhead().WithWebHostBuilder(builder => builder.UseSetting(key, value));

        var error = Assert.Throws<OptionsValidationException>(() => trailhead.Server);

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_seeded_defaults_and_the_test_client_start()
    {
        using var trailhead = new Trailhead();

        Assert.NotNull(trailhead.Server);
    }
}
