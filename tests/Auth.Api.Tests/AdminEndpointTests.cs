using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AspireAuth.Auth.Api.Anonymous;
using AspireAuth.Auth.Api.Data;
using AspireAuth.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>
/// Auth.Api's operator endpoints (the dashboard's "Clean up stale guests now" and "Republish link events since…"),
/// on the admin port only and behind the admin secret.
/// </summary>
[Collection(AuthApiCollection.Name)]
public sealed class AdminEndpointTests : IClassFixture<AuthApiFixture>, IAsyncLifetime
{
    private readonly AuthApiFixture _fixture;
    private readonly AdminPort _admin = AdminPort.Reserve();
    private readonly WebApplicationFactory<AuthDbContext> _app;
    private readonly AuthHttp _client;

    public AdminEndpointTests(AuthApiFixture fixture)
    {
        _fixture = fixture;
        // Without the cleanup's own loop, whose pass at start-up would race the endpoint's.
        _app = fixture.CreateApp(new Dictionary<string, string?>(_admin.Settings), services =>
            services.Remove(services.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(StaleAnonymousUserCleanup))));
        _admin.Serve(_app);
        _client = fixture.CreateLoopbackClient(_app, _admin.PublicBase);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _admin.Dispose();
        return _fixture.DisposeAppsAsync();
    }

    [Fact]
    public async Task Clean_up_now_deletes_the_stale_guests_and_says_how_many()
    {
        var stale = await GuestAsync();
        var young = await GuestAsync();
        await _fixture.ExecuteAsync("""UPDATE "user" SET "createdAt" = now() - interval '31 days' WHERE id = $1""", stale);

        var body = await OkAsync(await _admin.PostAsync("/admin/stale-guests/cleanup"));

        Assert.Equal(1, body.GetProperty("deleted").GetInt32());
        Assert.Equal("1 stale guest(s) deleted", body.GetProperty("message").GetString());
        Assert.False(await _fixture.UserExistsAsync(stale));
        Assert.True(await _fixture.UserExistsAsync(young));
        Assert.Equal(1L, await _fixture.OutboxCountAsync(AuthDatabase.AnonymousUserDeleted, stale));
    }

    [Fact]
    public async Task Republish_since_marks_the_events_since_then_unpublished_and_the_relay_publishes_them_again()
    {
        var before = DateTime.UtcNow.AddSeconds(-1);
        var guest = new AuthHttp(_client.Http) { Origin = _client.Origin };
        await guest.SignInAnonymousAsync();
        var link = await guest.SignUpAsync(TestData.UniqueEmail());
        Assert.Equal(HttpStatusCode.OK, link.Status);
        await Eventually.HoldsAsync(async () => await UnpublishedSinceAsync(before) == 0, TimeSpan.FromSeconds(10));
        var since = await _fixture.QueryScalarAsync<long>("SELECT count(*) FROM outbox_message WHERE occurred_at >= $1", before);
        var entryIds = await StreamEntryIdsSinceAsync(before);

        var body = await OkAsync(await _admin.PostAsync($"/admin/outbox/republish?since={Uri.EscapeDataString(before.ToString("O"))}"));

        Assert.True(since >= 1);
        Assert.Equal(since, body.GetProperty("republished").GetInt64());
        Assert.StartsWith($"{since} event(s) since ", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        // Published again: each has a new stream entry.
        await Eventually.HoldsAsync(async () => await UnpublishedSinceAsync(before) == 0
            && !(await StreamEntryIdsSinceAsync(before)).Intersect(entryIds).Any(), TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData("")]
    [InlineData("?since=")]
    [InlineData("?since=yesterday")]
    [InlineData("?since=2026-13-45T99:00:00Z")]
    public async Task Republish_without_a_valid_time_is_400(string query)
    {
        using var response = await _admin.PostAsync($"/admin/outbox/republish{query}");

        await AssertErrorAsync(response, HttpStatusCode.BadRequest, "VALIDATION_ERROR");
    }

    [Theory]
    [InlineData("/admin/stale-guests/cleanup", null)]
    [InlineData("/admin/stale-guests/cleanup", "Bearer wrong")]
    [InlineData("/admin/outbox/republish?since=2026-01-01T00:00:00Z", null)]
    [InlineData("/admin/outbox/republish?since=2026-01-01T00:00:00Z", "Bearer " + AuthApiFixture.Secret)]
    public async Task Without_the_admin_secret_the_answer_is_401(string path, string? authorization)
    {
        using var response = await _admin.PostAsync(path, _admin.AdminBase, authorization);

        await AssertErrorAsync(response, HttpStatusCode.Unauthorized, "UNAUTHORIZED");
    }

    [Theory]
    [InlineData("/admin/stale-guests/cleanup")]
    [InlineData("/admin/outbox/republish?since=2026-01-01T00:00:00Z")]
    [InlineData("/api/auth/admin/stale-guests/cleanup")]
    public async Task The_admin_endpoints_are_not_on_the_public_port(string path)
    {
        using var response = await _admin.PostAsync(path, _admin.PublicBase, $"Bearer {_admin.Secret}", host: $"localhost:{_admin.Port}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private async Task<string> GuestAsync()
    {
        var client = _fixture.CreateLoopbackClient(_app, _admin.PublicBase);
        var signIn = await client.SignInAnonymousAsync();
        await client.PostAsync("/sign-out");
        return signIn.UserId;
    }

    private Task<long> UnpublishedSinceAsync(DateTime since) =>
        _fixture.QueryScalarAsync<long>("SELECT count(*) FROM outbox_message WHERE occurred_at >= $1 AND published_at IS NULL", since);

    private async Task<string[]> StreamEntryIdsSinceAsync(DateTime since) =>
        (await _fixture.QueryRowsAsync("SELECT stream_entry_id FROM outbox_message WHERE occurred_at >= $1", since))
            .Select(row => row[0] as string ?? "").ToArray();

    private static async Task<JsonElement> OkAsync(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("message").GetString()));
    }
}
