using AspireAuth.Auth.Api.BetterAuth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>
/// The suite runs under more than one environment (e.g. <c>Caching__Enabled</c> off and on): what the environment
/// sets reaches every service the fixture starts, over the fixture's own defaults, and a test's settings win over both.
/// </summary>
[Collection(AuthApiCollection.Name)]
public sealed class FixtureSettingsTests(AuthApiFixture fixture) : IClassFixture<AuthApiFixture>, IAsyncLifetime
{
    private const string RateLimitVariable = "Auth__RateLimit__Enabled";

    private readonly string? _before = Environment.GetEnvironmentVariable(RateLimitVariable);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        Environment.SetEnvironmentVariable(RateLimitVariable, _before);
        await fixture.DisposeAppsAsync();
    }

    [Fact]
    public void A_setting_from_the_environment_wins_over_the_fixture_default()
    {
        Environment.SetEnvironmentVariable(RateLimitVariable, "true");

        var app = fixture.CreateApp();

        Assert.True(app.Services.GetRequiredService<IOptions<RateLimitOptions>>().Value.Enabled);
    }

    [Fact]
    public void A_test_s_own_setting_wins_over_the_environment()
    {
        Environment.SetEnvironmentVariable(RateLimitVariable, "true");

        var app = fixture.CreateApp(new() { ["Auth:RateLimit:Enabled"] = "false" });

        Assert.False(app.Services.GetRequiredService<IOptions<RateLimitOptions>>().Value.Enabled);
    }

    [Fact]
    public void Without_the_environment_the_fixture_default_applies()
    {
        Environment.SetEnvironmentVariable(RateLimitVariable, null);

        var app = fixture.CreateApp();

        Assert.False(app.Services.GetRequiredService<IOptions<RateLimitOptions>>().Value.Enabled);
    }
}
