using System.Net;
using AspireAuth.ServiceDefaults.Hosting;
using AspireAuth.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>
/// PostgreSQL stopped and started again under a running Auth.Api: its background loops fail, say so in
/// <c>/health</c>, back off and carry on — the service never exits — and links made afterwards are published.
/// </summary>
[Collection(AuthApiCollection.Name)]
public sealed class DatabaseRestartTests(AuthApiFixture fixture) : IClassFixture<AuthApiFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => fixture.DisposeAppsAsync();

    [Fact]
    public async Task Auth_api_survives_a_postgres_restart_and_publishes_links_made_after_it()
    {
        // Short timeouts: against a stopped server each attempt fails in seconds rather than 15 s.
        var app = fixture.CreateApp(new()
        {
            ["ConnectionStrings:authdb"] = fixture.AuthDb + ";Timeout=2;Command Timeout=5",
            ["Outbox:PollInterval"] = "00:00:00.500",
            ["Auth:Anonymous:GuestRevocationInterval"] = "00:00:00.500",
        });
        var client = fixture.CreateClient(app);
        Assert.Equal(HttpStatusCode.OK, (await client.SignInAnonymousAsync()).Status);
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        using var relayFailures = new BackgroundFailures("outbox-relay");

        await fixture.Infrastructure.StopServerAsync("postgres");
        try
        {
            await Eventually.HoldsAsync(() => Task.FromResult(relayFailures.Count >= 2), Timeout);
            Assert.NotEqual(HealthStatus.Healthy, (await LoopHealthAsync(app)).Status);
            Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, "Auth.Api stopped");
        }
        finally
        {
            await fixture.Infrastructure.StartServerAsync("postgres");
        }

        // The restart broke every pooled connection (the tests' own too); like a real client, retry what fails on one.
        NpgsqlConnection.ClearPool(new NpgsqlConnection(fixture.AuthDb));
        var guest = fixture.CreateClient(app);
        Reply anonymous = null!;
        await Eventually.HoldsAsync(async () => (anonymous = await guest.SignInAnonymousAsync()).Status == HttpStatusCode.OK, Timeout);
        var email = TestData.UniqueEmail();
        await Eventually.HoldsAsync(async () => (await guest.SignUpAsync(email)).Status == HttpStatusCode.OK, Timeout);

        await Eventually.HoldsAsync(async () => await fixture.QueryScalarAsync<long>(
            "SELECT count(*) FROM outbox_message WHERE payload->>'anonymousUserId' = $1 AND published_at IS NOT NULL", anonymous.UserId) == 1, Timeout);
        await Eventually.HoldsAsync(async () => (await LoopHealthAsync(app)).Status == HealthStatus.Healthy, Timeout);
        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, "Auth.Api stopped");
    }

    private static async Task<HealthReportEntry> LoopHealthAsync(Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Data.AuthDbContext> app) =>
        (await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(check => check.Name == ResilientLoops.HealthCheckName))
            .Entries[ResilientLoops.HealthCheckName];
}
