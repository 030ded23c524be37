using System.Net;
using AspireAuth.Auth.Api.Data;
using Microsoft.AspNetCore.Mvc.Testing;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>
/// A social sign-in links the guest that started it (by cookie or bearer token) even when the callback comes back
/// without the guest's credential, signs a known identity in to its user, and never takes over an existing account
/// unless both sides proved the address and the provider is trusted for it.
/// </summary>
[Collection(AuthApiCollection.Name)]
public sealed class SocialLinkingTests : IClassFixture<AuthApiFixture>, IAsyncLifetime
{
    private const string Provider = "stub-link";
    private const string UntrustedProvider = "stub-untrusted";

    private readonly AuthApiFixture _fixture;
    private StubOpenIdProvider _stub = null!;
    private StubOpenIdProvider _untrusted = null!;
    private WebApplicationFactory<AuthDbContext> _app = null!;

    public SocialLinkingTests(AuthApiFixture fixture) => _fixture = fixture;

    public async Task InitializeAsync()
    {
        _stub = await StubOpenIdProvider.StartAsync("auth-api-link");
        _untrusted = await StubOpenIdProvider.StartAsync("auth-api-untrusted");
        _app = _fixture.CreateApp(SocialSignIn.Settings(
            _stub.ProviderSettings(Provider, trustedForLinking: true), _untrusted.ProviderSettings(UntrustedProvider, trustedForLinking: false)));
    }

    public async Task DisposeAsync()
    {
        await _fixture.DisposeAppsAsync();
        await _stub.DisposeAsync();
        await _untrusted.DisposeAsync();
    }

    [Fact]
    public async Task A_guest_known_by_cookie_is_linked_even_when_the_callback_comes_without_the_guest_cookie()
    {
        var browser = _fixture.CreateClient(_app);
        var guest = await browser.SignInAnonymousAsync();
        var guestCookie = browser.SessionCookie!;
        var identity = _stub.Identity = StubIdentity.Unique();
        var flow = await browser.StartSocialSignInAsync(Provider);

        var afterProvider = browser.WithOnlyStateCookie(flow);
        var reply = await afterProvider.CompleteCallbackAsync(await _stub.AuthorizeAsync(flow.Url));

        Assert.Equal(SocialSignIn.CallbackUrl, reply.Location());
        var userId = await AssertSignedInAsync(afterProvider, identity.Email);
        await AssertGuestLinkedAsync(guest, guestCookie, userId);
    }

    [Fact]
    public async Task A_guest_known_only_by_bearer_token_is_linked()
    {
        var guest = await _fixture.CreateClient(_app).SignInAnonymousAsync();
        var identity = _stub.Identity = StubIdentity.Unique();
        var browser = _fixture.CreateClient(_app);
        var flow = await browser.StartSocialSignInAsync(Provider, configure: r => r.Headers.Authorization = new("Bearer", guest.Token));

        var reply = await browser.CompleteCallbackAsync(await _stub.AuthorizeAsync(flow.Url));

        Assert.Equal(SocialSignIn.CallbackUrl, reply.Location());
        var userId = await AssertSignedInAsync(browser, identity.Email);
        await AssertGuestLinkedAsync(guest, guest.SessionCookieSet!, userId);
        var byBearer = await _fixture.CreateClient(_app).GetAsync("/get-session", r => r.Headers.Authorization = new("Bearer", guest.Token));
        Assert.Equal("null", byBearer.Body);
    }

    [Fact]
    public async Task A_linked_identity_signs_in_to_the_same_user_and_a_guest_starting_that_flow_is_linked_to_it()
    {
        var identity = _stub.Identity = StubIdentity.Unique();
        var first = _fixture.CreateClient(_app);
        var firstFlow = await first.StartSocialSignInAsync(Provider);
        await first.CompleteCallbackAsync(await _stub.AuthorizeAsync(firstFlow.Url));
        var userId = await AssertSignedInAsync(first, identity.Email);

        var browser = _fixture.CreateClient(_app);
        var guest = await browser.SignInAnonymousAsync();
        var guestCookie = browser.SessionCookie!;
        _stub.Identity = identity with { Email = TestData.UniqueEmail("changed") };
        var flow = await browser.StartSocialSignInAsync(Provider);
        var reply = await browser.CompleteCallbackAsync(await _stub.AuthorizeAsync(flow.Url));

        Assert.Equal(SocialSignIn.CallbackUrl, reply.Location());
        Assert.Equal(userId, (await browser.GetAsync("/get-session")).UserId);
        // The identity is the provider's subject, not its address: no second user for a changed e-mail.
        Assert.False(await _fixture.UserWithEmailExistsAsync(_stub.Identity.Email));
        Assert.Equal(1L, await _fixture.QueryScalarAsync<long>("""SELECT count(*) FROM account WHERE "accountId" = $1""", identity.Subject));
        await AssertGuestLinkedAsync(guest, guestCookie, userId);
    }

    [Fact]
    public async Task An_existing_password_account_with_the_same_address_is_not_taken_over_and_the_guest_stays()
    {
        var email = TestData.UniqueEmail();
        var owner = await _fixture.CreateClient(_app).SignUpAsync(email);
        _stub.Identity = StubIdentity.Unique() with { Email = email };

        await AssertRefusedAsync(Provider, _stub, owner.UserId);
    }

    [Fact]
    public async Task An_address_the_provider_did_not_verify_does_not_link_even_a_verified_account_of_a_trusted_provider()
    {
        var email = TestData.UniqueEmail();
        var owner = await _fixture.CreateClient(_app).SignUpAsync(email);
        await VerifyEmailAsync(email);
        _stub.Identity = StubIdentity.Unique(emailVerified: false) with { Email = email };

        await AssertRefusedAsync(Provider, _stub, owner.UserId);
    }

    [Fact]
    public async Task A_provider_not_trusted_for_linking_does_not_link_even_verified_addresses()
    {
        var email = TestData.UniqueEmail();
        var owner = await _fixture.CreateClient(_app).SignUpAsync(email);
        await VerifyEmailAsync(email);
        _untrusted.Identity = StubIdentity.Unique() with { Email = email };

        await AssertRefusedAsync(UntrustedProvider, _untrusted, owner.UserId);
    }

    [Fact]
    public async Task Verified_on_both_sides_with_a_trusted_provider_links_the_identity_to_the_existing_user_and_the_guest_to_it()
    {
        var email = TestData.UniqueEmail();
        var owner = await _fixture.CreateClient(_app).SignUpAsync(email);
        await VerifyEmailAsync(email);
        var identity = _stub.Identity = StubIdentity.Unique() with { Email = email };
        var browser = _fixture.CreateClient(_app);
        var guest = await browser.SignInAnonymousAsync();
        var guestCookie = browser.SessionCookie!;
        var flow = await browser.StartSocialSignInAsync(Provider);

        var reply = await browser.CompleteCallbackAsync(await _stub.AuthorizeAsync(flow.Url));

        Assert.Equal(SocialSignIn.CallbackUrl, reply.Location());
        Assert.Equal(owner.UserId, (await browser.GetAsync("/get-session")).UserId);
        Assert.Equal(1L, await _fixture.QueryScalarAsync<long>(
            """SELECT count(*) FROM account WHERE "providerId" = $1 AND "accountId" = $2 AND "userId" = $3""", Provider, identity.Subject, owner.UserId));
        await AssertGuestLinkedAsync(guest, guestCookie, owner.UserId);
    }

    private async Task AssertRefusedAsync(string provider, StubOpenIdProvider stub, string ownerId)
    {
        var browser = _fixture.CreateClient(_app);
        var guest = await browser.SignInAnonymousAsync();
        var guestCookie = browser.SessionCookie!;
        var flow = await browser.StartSocialSignInAsync(provider);

        var reply = await browser.CompleteCallbackAsync(await stub.AuthorizeAsync(flow.Url));

        Assert.Equal(SocialSignIn.ErrorCallbackUrl + "?error=account_not_linked", reply.Location());
        Assert.Null(reply.SessionCookieSet);
        Assert.Equal(0L, await _fixture.QueryScalarAsync<long>("""SELECT count(*) FROM account WHERE "accountId" = $1""", stub.Identity.Subject));
        Assert.Equal(1L, await _fixture.QueryScalarAsync<long>("""SELECT count(*) FROM account WHERE "userId" = $1""", ownerId));
        Assert.Null(await _fixture.LinkedUserIdAsync(guest.UserId));
        Assert.Equal(0L, await _fixture.OutboxCountMentioningAsync(guest.UserId));
        var stillGuest = _fixture.CreateClient(_app);
        stillGuest.SessionCookie = guestCookie;
        Assert.Equal(guest.UserId, (await stillGuest.GetAsync("/get-session")).UserId);
    }

    private async Task<string> AssertSignedInAsync(AuthHttp browser, string email)
    {
        var session = await browser.GetAsync("/get-session");
        Assert.Equal(HttpStatusCode.OK, session.Status);
        var user = session.Json.GetProperty("user");
        Assert.Equal(email, user.GetProperty("email").GetString());
        Assert.False(user.GetProperty("isAnonymous").GetBoolean());
        return user.GetProperty("id").GetString()!;
    }

    private async Task AssertGuestLinkedAsync(Reply guest, string guestCookie, string userId)
    {
        Assert.Equal(userId, await _fixture.LinkedUserIdAsync(guest.UserId));
        Assert.Equal(1L, await _fixture.OutboxCountAsync(AuthDatabase.AccountLinked, guest.UserId));
        Assert.False(await _fixture.UserExistsAsync(guest.UserId));
        var oldGuest = _fixture.CreateClient(_app);
        oldGuest.SessionCookie = guestCookie;
        Assert.Equal("null", (await oldGuest.GetAsync("/get-session")).Body);
    }

    private Task VerifyEmailAsync(string email) =>
        _fixture.ExecuteAsync("""UPDATE "user" SET "emailVerified" = true WHERE email = lower($1)""", email);
}
