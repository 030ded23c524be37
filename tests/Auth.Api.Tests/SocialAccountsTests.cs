using System.Net;
using System.Text.Json;
using AspireAuth.Auth.Api.Data;
using Microsoft.AspNetCore.Mvc.Testing;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>The ways a user signs in: <c>/link-social</c> adds one, <c>/list-accounts</c> shows them (no tokens), <c>/unlink-account</c> never removes the last.</summary>
[Collection(AuthApiCollection.Name)]
public sealed class SocialAccountsTests : IClassFixture<AuthApiFixture>, IAsyncLifetime
{
    private const string Provider = "stub-accounts";

    private readonly AuthApiFixture _fixture;
    private StubOpenIdProvider _stub = null!;
    private WebApplicationFactory<AuthDbContext> _app = null!;

    public SocialAccountsTests(AuthApiFixture fixture) => _fixture = fixture;

    public async Task InitializeAsync()
    {
        _stub = await StubOpenIdProvider.StartAsync("auth-api-accounts");
        _app = _fixture.CreateApp(SocialSignIn.Settings(_stub.ProviderSettings(Provider)));
    }

    public async Task DisposeAsync()
    {
        await _fixture.DisposeAppsAsync();
        await _stub.DisposeAsync();
    }

    [Fact]
    public async Task Linking_a_provider_adds_it_to_the_list_of_accounts_without_its_tokens()
    {
        var (browser, userId, identity) = await PasswordUserWithLinkedProviderAsync();

        var list = await browser.GetAsync("/list-accounts");

        Assert.Equal(HttpStatusCode.OK, list.Status);
        var accounts = list.Json.EnumerateArray().ToList();
        Assert.Equal(["credential", Provider], accounts.Select(a => a.GetProperty("providerId").GetString()));
        Assert.All(accounts, a => Assert.Equal(userId, a.GetProperty("userId").GetString()));
        Assert.Equal(identity.Subject, accounts[1].GetProperty("accountId").GetString());
        var stored = Assert.Single(await _fixture.QueryRowsAsync(
            """SELECT "accessToken", "idToken" FROM account WHERE "providerId" = $1 AND "userId" = $2""", Provider, userId));
        var accessToken = Assert.IsType<string>(stored[0]);
        var idToken = Assert.IsType<string>(stored[1]);
        Assert.DoesNotContain(accessToken, list.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(idToken, list.Body, StringComparison.Ordinal);
        Assert.All(accounts, a => Assert.DoesNotContain(a.EnumerateObject(),
            p => p.Name is "accessToken" or "refreshToken" or "idToken" or "password"));
    }

    [Fact]
    public async Task Listing_accounts_needs_a_session()
    {
        var reply = await _fixture.CreateClient(_app).GetAsync("/list-accounts");

        Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
    }

    [Fact]
    public async Task An_identity_linked_to_one_user_cannot_be_linked_to_another()
    {
        var (_, firstUserId, identity) = await PasswordUserWithLinkedProviderAsync();
        var other = _fixture.CreateClient(_app);
        var otherUserId = (await other.SignUpAsync(TestData.UniqueEmail())).UserId;
        _stub.Identity = identity;
        var flow = await other.StartSocialSignInAsync(Provider, path: "/link-social");

        var reply = await other.CompleteCallbackAsync(await _stub.AuthorizeAsync(flow.Url));

        Assert.Equal(SocialSignIn.ErrorCallbackUrl + "?error=account_already_linked_to_different_user", reply.Location());
        Assert.Equal(firstUserId, await _fixture.QueryScalarAsync<string>("""SELECT "userId" FROM account WHERE "accountId" = $1""", identity.Subject));
        Assert.Equal(otherUserId, (await other.GetAsync("/get-session")).UserId);
    }

    [Fact]
    public async Task The_last_account_cannot_be_unlinked()
    {
        var identity = _stub.Identity = StubIdentity.Unique();
        var browser = _fixture.CreateClient(_app);
        var flow = await browser.StartSocialSignInAsync(Provider);
        await browser.CompleteCallbackAsync(await _stub.AuthorizeAsync(flow.Url));

        var reply = await browser.PostAsync("/unlink-account", JsonSerializer.Serialize(new { providerId = Provider }));

        Assert.Equal((HttpStatusCode.BadRequest, "FAILED_TO_UNLINK_LAST_ACCOUNT"), (reply.Status, reply.Code));
        Assert.Equal(1L, await _fixture.QueryScalarAsync<long>("""SELECT count(*) FROM account WHERE "accountId" = $1""", identity.Subject));
    }

    [Fact]
    public async Task Unlinking_an_account_the_user_does_not_have_is_ACCOUNT_NOT_FOUND()
    {
        var (browser, _, _) = await PasswordUserWithLinkedProviderAsync();

        var unknownProvider = await browser.PostAsync("/unlink-account", JsonSerializer.Serialize(new { providerId = "no-such-provider" }));
        var unknownAccount = await browser.PostAsync("/unlink-account", JsonSerializer.Serialize(new { providerId = Provider, accountId = "someone-else" }));

        Assert.Equal((HttpStatusCode.BadRequest, "ACCOUNT_NOT_FOUND"), (unknownProvider.Status, unknownProvider.Code));
        Assert.Equal((HttpStatusCode.BadRequest, "ACCOUNT_NOT_FOUND"), (unknownAccount.Status, unknownAccount.Code));
    }

    [Fact]
    public async Task Unlinking_one_of_two_accounts_leaves_the_other_to_sign_in_with()
    {
        var (browser, userId, _) = await PasswordUserWithLinkedProviderAsync();

        var reply = await browser.PostAsync("/unlink-account", JsonSerializer.Serialize(new { providerId = "credential" }));

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.True(reply.Json.GetProperty("status").GetBoolean());
        var remaining = (await browser.GetAsync("/list-accounts")).Json.EnumerateArray().Select(a => a.GetProperty("providerId").GetString());
        Assert.Equal([Provider], remaining);
        Assert.Equal(1L, await _fixture.QueryScalarAsync<long>("""SELECT count(*) FROM account WHERE "userId" = $1""", userId));
    }

    [Fact]
    public async Task Two_concurrent_unlinks_of_different_accounts_leave_exactly_one()
    {
        for (var round = 0; round < 3; round++)
        {
            var (browser, userId, _) = await PasswordUserWithLinkedProviderAsync();

            var replies = await Task.WhenAll(
                browser.PostAsync("/unlink-account", JsonSerializer.Serialize(new { providerId = "credential" })),
                browser.PostAsync("/unlink-account", JsonSerializer.Serialize(new { providerId = Provider })));

            Assert.Single(replies, r => r.Status == HttpStatusCode.OK);
            var refused = Assert.Single(replies, r => r.Status != HttpStatusCode.OK);
            Assert.Equal((HttpStatusCode.BadRequest, "FAILED_TO_UNLINK_LAST_ACCOUNT"), (refused.Status, refused.Code));
            Assert.Equal(1L, await _fixture.QueryScalarAsync<long>("""SELECT count(*) FROM account WHERE "userId" = $1""", userId));
        }
    }

    /// <summary>A user who signed up with a password and then linked the stub's identity with <c>/link-social</c>.</summary>
    private async Task<(AuthHttp Browser, string UserId, StubIdentity Identity)> PasswordUserWithLinkedProviderAsync()
    {
        var browser = _fixture.CreateClient(_app);
        var userId = (await browser.SignUpAsync(TestData.UniqueEmail())).UserId;
        var identity = _stub.Identity = StubIdentity.Unique();
        var flow = await browser.StartSocialSignInAsync(Provider, path: "/link-social");
        var reply = await browser.CompleteCallbackAsync(await _stub.AuthorizeAsync(flow.Url));
        Assert.Equal(SocialSignIn.CallbackUrl, reply.Location());
        // Linking adds a way in; it does not change who is signed in.
        Assert.Equal(userId, (await browser.GetAsync("/get-session")).UserId);
        browser.OtherCookies.Clear();
        return (browser, userId, identity);
    }
}
