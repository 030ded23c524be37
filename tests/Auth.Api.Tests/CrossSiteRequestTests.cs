using System.Net;
using System.Text.Json;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>
/// A page on another site can make a browser send its cookies along (CSRF): every POST endpoint refuses
/// a cookie-carrying request from a foreign origin, or with none, before it changes anything, and no
/// other spelling of its path gets past that check.
/// </summary>
[Collection(AuthApiCollection.Name)]
public sealed class CrossSiteRequestTests(AuthApiFixture fixture) : IClassFixture<AuthApiFixture>, IAsyncLifetime
{
    private static readonly string[] PostEndpoints =
    [
        "/sign-in/anonymous", "/sign-up/email", "/sign-in/email", "/sign-out", "/revoke-session", "/delete-anonymous-user",
    ];

    public static TheoryData<string, string?, string> ForeignOrigins
    {
        get
        {
            var data = new TheoryData<string, string?, string>();
            foreach (var endpoint in PostEndpoints)
            {
                data.Add(endpoint, "http://evil.example", "INVALID_ORIGIN");
                data.Add(endpoint, "null", "MISSING_OR_NULL_ORIGIN");
                data.Add(endpoint, null, "MISSING_OR_NULL_ORIGIN");
            }

            return data;
        }
    }

    /// <summary>Other ways to write a path that routing may or may not take for it.</summary>
    public static readonly TheoryData<string> Spellings = new(
        from endpoint in PostEndpoints
        from spelling in new[]
        {
            "/API/AUTH" + endpoint.ToUpperInvariant(), "/api/auth" + endpoint + "/", "/api/auth/" + endpoint, "/api/auth" + endpoint + "%2F",
            "/api/auth" + endpoint.Replace("/", "%2F", StringComparison.Ordinal), "/api/auth" + endpoint + ";x",
        }
        select spelling);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => fixture.DisposeAppsAsync();

    [Theory]
    [MemberData(nameof(ForeignOrigins))]
    public async Task A_cookie_carrying_post_from_a_foreign_origin_or_none_is_403_and_changes_nothing(string endpoint, string? origin, string code)
    {
        var (guest, guestId, before, body) = await GuestWithBodyFor(endpoint);
        guest.Origin = origin;

        var reply = await guest.PostAsync(endpoint, body);

        Assert.Equal(HttpStatusCode.Forbidden, reply.Status);
        Assert.Equal(code, reply.Code);
        Assert.Empty(reply.SetCookies);
        await AssertNothingChanged(guest, guestId, before);
    }

    [Theory]
    [MemberData(nameof(Spellings))]
    public async Task Another_spelling_of_a_post_path_is_refused_like_the_path_or_not_found(string path)
    {
        var endpoint = "/" + string.Join('/', path.ToLowerInvariant().Split('/', StringSplitOptions.RemoveEmptyEntries).Skip(2));
        var canonical = PostEndpoints.FirstOrDefault(e => endpoint.StartsWith(e, StringComparison.Ordinal)) ?? "/sign-out";
        var (guest, guestId, before, body) = await GuestWithBodyFor(canonical);
        guest.Origin = "http://evil.example";

        var reply = await guest.PostAsync("", body, configure: request => request.RequestUri = new Uri(path, UriKind.Relative));

        Assert.True(reply.Status is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, $"{path}: {(int)reply.Status} {reply.Body}");
        if (reply.Status == HttpStatusCode.Forbidden)
        {
            Assert.Equal("INVALID_ORIGIN", reply.Code);
        }

        Assert.Empty(reply.SetCookies);
        await AssertNothingChanged(guest, guestId, before);
    }

    /// <summary>A guest with a session cookie, and a body <paramref name="endpoint"/> would act on were its origin trusted.</summary>
    private async Task<(AuthHttp Guest, string GuestId, DateTime Before, string? Body)> GuestWithBodyFor(string endpoint)
    {
        var app = fixture.SharedApp;
        var account = TestData.UniqueEmail();
        await fixture.CreateClient(app).SignUpAsync(account);
        var guest = fixture.CreateClient(app);
        var anonymous = await guest.SignInAnonymousAsync();
        var before = DateTime.UtcNow.AddMilliseconds(1);
        var body = endpoint switch
        {
            "/sign-up/email" => JsonSerializer.Serialize(new { name = "Mallory", email = TestData.UniqueEmail(), password = TestData.Password }),
            "/sign-in/email" => JsonSerializer.Serialize(new { email = account, password = TestData.Password }),
            "/revoke-session" => JsonSerializer.Serialize(new { token = anonymous.Token }),
            _ => null,
        };
        return (guest, anonymous.UserId, before, body);
    }

    /// <summary>The guest still signed in as itself (not signed out, revoked, deleted or linked into an account), and no user created.</summary>
    private async Task AssertNothingChanged(AuthHttp guest, string guestId, DateTime before)
    {
        guest.Origin = AuthHttp.OwnOrigin;
        Assert.Equal(guestId, (await guest.GetAsync("/get-session")).UserId);
        Assert.Equal(0L, await fixture.CountUsersCreatedSinceAsync(before));
    }
}
