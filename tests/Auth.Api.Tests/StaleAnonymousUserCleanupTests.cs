using AspireAuth.Auth.Api.Anonymous;
using AspireAuth.Auth.Api.Data;
using AspireAuth.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>Anonymous users nobody can sign in as any more are deleted once old, each deletion announced.</summary>
[Collection(AuthApiCollection.Name)]
public sealed class StaleAnonymousUserCleanupTests : IClassFixture<AuthApiFixture>, IAsyncLifetime
{
    private readonly AuthApiFixture _fixture;
    private readonly WebApplicationFactory<AuthDbContext> _app;

    public StaleAnonymousUserCleanupTests(AuthApiFixture fixture)
    {
        _fixture = fixture;
        // A batch smaller than the stale users, so the cleanup has to page.
        _app = CreateAppWithoutBackgroundCleanup(new() { ["Auth:Anonymous:CleanupBatchSize"] = "2" });
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _fixture.DisposeAppsAsync();

    [Fact]
    public async Task Old_anonymous_users_without_a_live_session_are_deleted_and_announced()
    {
        string[] stale = [await AnonymousUserAsync(keepSession: false), await AnonymousUserAsync(keepSession: false), await AnonymousUserAsync(keepSession: false)];
        var staleButSignedIn = await AnonymousUserAsync(keepSession: true);
        var young = await AnonymousUserAsync(keepSession: false);
        var oldRealUser = await RealUserWithoutSessionAsync();
        await AgeAsync([.. stale, staleButSignedIn, oldRealUser], TimeSpan.FromDays(31));

        await Cleanup().RunOnceAsync(CancellationToken.None);

        foreach (var userId in stale)
        {
            Assert.False(await _fixture.UserExistsAsync(userId));
            Assert.Equal(1L, await _fixture.OutboxCountAsync(AuthDatabase.AnonymousUserDeleted, userId));
        }

        foreach (var userId in new[] { staleButSignedIn, young, oldRealUser })
        {
            Assert.True(await _fixture.UserExistsAsync(userId));
            Assert.Equal(0L, await _fixture.OutboxCountMentioningAsync(userId));
        }
    }

    [Fact]
    public async Task A_second_run_finds_nothing_more_to_delete()
    {
        var stale = await AnonymousUserAsync(keepSession: false);
        await AgeAsync([stale], TimeSpan.FromDays(31));
        await Cleanup().RunOnceAsync(CancellationToken.None);

        var deletedAgain = await Cleanup().RunOnceAsync(CancellationToken.None);

        Assert.Equal(0, deletedAgain);
        Assert.Equal(1L, await _fixture.OutboxCountAsync(AuthDatabase.AnonymousUserDeleted, stale));
    }

    [Fact]
    public async Task The_age_follows_the_setting()
    {
        var app = CreateAppWithoutBackgroundCleanup(new() { ["Auth:Anonymous:StaleUserAge"] = "02:00:00" });
        var olderThanTheSetting = await AnonymousUserAsync(keepSession: false);
        var youngerThanTheSetting = await AnonymousUserAsync(keepSession: false);
        await AgeAsync([olderThanTheSetting], TimeSpan.FromHours(3));
        await AgeAsync([youngerThanTheSetting], TimeSpan.FromHours(1));

        await Cleanup(app).RunOnceAsync(CancellationToken.None);

        Assert.False(await _fixture.UserExistsAsync(olderThanTheSetting));
        Assert.True(await _fixture.UserExistsAsync(youngerThanTheSetting));
    }

    [Fact]
    public async Task The_hosted_service_runs_the_cleanup_when_the_app_starts()
    {
        var stale = await AnonymousUserAsync(keepSession: false);
        await AgeAsync([stale], TimeSpan.FromDays(31));

        var app = _fixture.CreateApp();
        Assert.Single(app.Services.GetServices<IHostedService>().OfType<StaleAnonymousUserCleanup>());

        await Eventually.HoldsAsync(async () => !await _fixture.UserExistsAsync(stale), TimeSpan.FromSeconds(30));
        Assert.Equal(1L, await _fixture.OutboxCountAsync(AuthDatabase.AnonymousUserDeleted, stale));
    }

    /// <summary>
    /// The app with its cleanup resolvable but not running on its own: the hosted service's first
    /// pass starts with the app, and racing it would make the outcome of a test's own pass vary.
    /// </summary>
    private WebApplicationFactory<AuthDbContext> CreateAppWithoutBackgroundCleanup(Dictionary<string, string?> settings) =>
        _fixture.CreateApp(settings, services =>
        {
            services.Remove(services.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(StaleAnonymousUserCleanup)));
            services.AddSingleton<StaleAnonymousUserCleanup>();
        });

    private StaleAnonymousUserCleanup Cleanup(WebApplicationFactory<AuthDbContext>? app = null) =>
        (app ?? _app).Services.GetRequiredService<StaleAnonymousUserCleanup>();

    /// <summary>An anonymous user, signed out unless <paramref name="keepSession"/>.</summary>
    private async Task<string> AnonymousUserAsync(bool keepSession)
    {
        var client = _fixture.CreateClient(_app);
        var signIn = await client.SignInAnonymousAsync();
        if (!keepSession)
        {
            await client.PostAsync("/sign-out");
        }

        return signIn.UserId;
    }

    private async Task<string> RealUserWithoutSessionAsync()
    {
        var client = _fixture.CreateClient(_app);
        var signUp = await client.SignUpAsync(TestData.UniqueEmail());
        await client.PostAsync("/sign-out");
        return signUp.UserId;
    }

    private Task AgeAsync(string[] userIds, TimeSpan age) =>
        _fixture.ExecuteAsync("""UPDATE "user" SET "createdAt" = now() - $2 WHERE id = ANY($1)""", userIds, age);
}
