using System.Globalization;
using System.Net;
using System.Text.Json;
using AspireAuth.Auth.Api.Data;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>
/// Sessions live 7 days and slide: once a day old, reading one pushes its expiry out and re-sets
/// the cookie; within that day it is left alone. The clock is faked, Redis is real.
/// </summary>
[Collection(AuthApiCollection.Name)]
public sealed class SessionRefreshTests : IClassFixture<AuthApiFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);
    private static readonly TimeSpan UpdateAge = TimeSpan.FromDays(1);

    private readonly AuthApiFixture _fixture;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly WebApplicationFactory<AuthDbContext> _app;

    public SessionRefreshTests(AuthApiFixture fixture)
    {
        _fixture = fixture;
        _app = fixture.CreateApp(services: services => services.AddSingleton<TimeProvider>(_time));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _fixture.DisposeAppsAsync();

    [Fact]
    public async Task Within_a_day_get_session_neither_refreshes_the_session_nor_resets_the_cookie()
    {
        var client = _fixture.CreateClient(_app);
        await client.SignInAnonymousAsync();
        var signedInAt = _time.GetUtcNow();

        _time.Advance(UpdateAge - TimeSpan.FromMilliseconds(1));
        var reply = await client.GetAsync("/get-session");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Empty(reply.SetCookies);
        Assert.Equal(Iso(signedInAt + Lifetime), SessionField(reply, "expiresAt"));
        Assert.Equal(Iso(signedInAt), SessionField(reply, "updatedAt"));
    }

    [Fact]
    public async Task After_a_day_get_session_pushes_the_expiry_out_and_resets_the_cookie()
    {
        var client = _fixture.CreateClient(_app);
        var signIn = await client.SignInAnonymousAsync();
        var signedInAt = _time.GetUtcNow();

        _time.Advance(UpdateAge + TimeSpan.FromMinutes(1));
        var refreshed = await client.GetAsync("/get-session");

        var now = _time.GetUtcNow();
        Assert.Equal($"better-auth.session_token={EndpointTests.Signed(signIn.Token)}; Max-Age=604800; Path=/; HttpOnly; SameSite=Lax",
            Assert.Single(refreshed.SetCookies));
        Assert.Equal(Iso(now + Lifetime), SessionField(refreshed, "expiresAt"));
        Assert.Equal(Iso(now), SessionField(refreshed, "updatedAt"));
        Assert.Equal(Iso(signedInAt), SessionField(refreshed, "createdAt"));
        Assert.Equal(signIn.Token, SessionField(refreshed, "token"));

        var readAgain = await client.GetAsync("/get-session");
        Assert.Empty(readAgain.SetCookies);
        Assert.Equal(Iso(now + Lifetime), SessionField(readAgain, "expiresAt"));

        // The new expiry was stored: the session outlives its original seven days.
        _time.Advance(Lifetime - UpdateAge);
        var pastTheOriginalExpiry = await client.GetAsync("/get-session");
        Assert.Equal(signIn.UserId, pastTheOriginalExpiry.UserId);
    }

    [Fact]
    public async Task An_expired_session_is_no_session()
    {
        var client = _fixture.CreateClient(_app);
        var signIn = await client.SignInAnonymousAsync();

        _time.Advance(Lifetime + TimeSpan.FromMilliseconds(1));
        var byCookie = await client.GetAsync("/get-session");
        var byBearer = await _fixture.CreateClient(_app).GetAsync("/get-session", r => r.Headers.Authorization = new("Bearer", signIn.Token));

        Assert.Equal((HttpStatusCode.OK, "null"), (byCookie.Status, byCookie.Body));
        Assert.Equal(TestData.ClearingCookies, byCookie.SetCookies);
        Assert.Equal("null", byBearer.Body);
    }

    [Fact]
    public async Task An_expired_session_authorises_nothing()
    {
        var client = _fixture.CreateClient(_app);
        await client.SignUpAsync(TestData.UniqueEmail());

        _time.Advance(Lifetime + TimeSpan.FromMilliseconds(1));

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/list-sessions")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync("/revoke-session", """{"token":"x"}""")).Status);
    }

    [Fact]
    public async Task A_session_the_user_asked_not_to_remember_is_never_refreshed_and_ends_after_a_day()
    {
        var client = _fixture.CreateClient(_app);
        var signUp = await client.PostAsync("/sign-up/email",
            JsonSerializer.Serialize(new { name = "Dora", email = TestData.UniqueEmail(), password = TestData.Password, rememberMe = false }));
        var signedInAt = _time.GetUtcNow();
        Assert.Equal($"better-auth.session_token={EndpointTests.Signed(signUp.Token)}; Path=/; HttpOnly; SameSite=Lax", signUp.SetCookies[0]);
        Assert.NotNull(client.DontRememberCookie);

        _time.Advance(TimeSpan.FromMinutes(1));
        var read = await client.GetAsync("/get-session");

        Assert.Empty(read.SetCookies);
        Assert.Equal(Iso(signedInAt + TimeSpan.FromDays(1)), SessionField(read, "expiresAt"));

        _time.Advance(TimeSpan.FromDays(1));
        Assert.Equal("null", (await client.GetAsync("/get-session")).Body);
    }

    private static string? SessionField(Reply reply, string name) => reply.Json.GetProperty("session").GetProperty(name).GetString();

    private static string Iso(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
