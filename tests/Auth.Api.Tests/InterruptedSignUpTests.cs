using System.Net;
using AspireAuth.Auth.Api.Data;
using AspireAuth.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>
/// A sign-up from a guest session that is cut off after its transaction committed — Redis failing as
/// the session is issued — still links the guest exactly once: the client's retry answers 200 with
/// the link done (not 422), and the guest's sessions end, by the retry or by the durable revocation.
/// </summary>
[Collection(AuthApiCollection.Name)]
public sealed class InterruptedSignUpTests(AuthApiFixture fixture) : IClassFixture<AuthApiFixture>, IAsyncLifetime
{
    private WebApplicationFactory<AuthDbContext>? _app;
    private Uri? _baseAddress;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => fixture.DisposeAppsAsync();

    [Fact]
    public async Task A_sign_up_cut_off_after_it_committed_is_answered_by_its_retry_and_links_once()
    {
        var (guest, anonymous) = await SignedInGuestAsync(new() { ["Auth:Anonymous:GuestRevocationInterval"] = "01:00:00" });
        var email = TestData.UniqueEmail();

        Reply interrupted;
        await using (await RedisWriteOutage.StartAsync(fixture.Infrastructure))
        {
            interrupted = await guest.SignUpAsync(email);
        }

        Assert.True((int)interrupted.Status >= 500, $"expected the cut-off sign-up to fail, got {interrupted.Status}");
        Assert.Null(interrupted.SessionCookieSet);
        var newUserId = await fixture.LinkedUserIdAsync(anonymous.UserId);
        Assert.NotNull(newUserId);

        var retried = await guest.SignUpAsync(email);

        Assert.Equal((HttpStatusCode.OK, newUserId), (retried.Status, retried.UserId));
        Assert.NotNull(retried.SessionCookieSet);
        Assert.Equal(1L, await fixture.OutboxCountAsync(AuthDatabase.AccountLinked, anonymous.UserId));
        Assert.False(await fixture.UserExistsAsync(anonymous.UserId));
        await AssertGuestTokenIsDeadAsync(anonymous.Token);
    }

    [Fact]
    public async Task A_retry_after_the_guest_session_already_ended_is_still_recognised_by_the_guest_token()
    {
        var (guest, anonymous) = await SignedInGuestAsync(new() { ["Auth:Anonymous:GuestRevocationInterval"] = "00:00:00.200" });
        var email = TestData.UniqueEmail();
        await using (await RedisWriteOutage.StartAsync(fixture.Infrastructure))
        {
            Assert.True((int)(await guest.SignUpAsync(email)).Status >= 500);
        }

        // The durable revocation ends the guest's sessions without any help from the client.
        await AssertGuestTokenIsDeadAsync(anonymous.Token);

        var retried = await guest.SignUpAsync(email);

        Assert.Equal(HttpStatusCode.OK, retried.Status);
        Assert.Equal(await fixture.LinkedUserIdAsync(anonymous.UserId), retried.UserId);
        Assert.Equal(1L, await fixture.OutboxCountAsync(AuthDatabase.AccountLinked, anonymous.UserId));
    }

    [Fact]
    public async Task A_sign_up_for_a_taken_address_is_refused_unless_it_is_the_retry_with_the_same_password()
    {
        var (guest, anonymous) = await SignedInGuestAsync();
        var email = TestData.UniqueEmail();
        await using (await RedisWriteOutage.StartAsync(fixture.Infrastructure))
        {
            Assert.True((int)(await guest.SignUpAsync(email)).Status >= 500);
        }

        var wrongPassword = await guest.SignUpAsync(email, password: "another-long-password");
        var otherGuest = fixture.CreateLoopbackClient(_app!, _baseAddress!);
        await otherGuest.SignInAnonymousAsync();
        var otherGuestSameAddress = await otherGuest.SignUpAsync(email);
        var noSession = await fixture.CreateLoopbackClient(_app!, _baseAddress!).SignUpAsync(email);

        Assert.All([wrongPassword, otherGuestSameAddress, noSession], reply =>
            Assert.Equal((HttpStatusCode.UnprocessableEntity, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL"), (reply.Status, reply.Code)));
        Assert.Equal(1L, await fixture.OutboxCountAsync(AuthDatabase.AccountLinked, anonymous.UserId));
    }

    private async Task<(AuthHttp Guest, Reply Anonymous)> SignedInGuestAsync(Dictionary<string, string?>? settings = null)
    {
        // Kestrel, not TestServer: TestServer hands the server's exception to the caller instead of answering.
        _app = fixture.CreateApp(settings);
        _baseAddress = AuthApiFixture.ServeOnLoopback(_app);
        var guest = fixture.CreateLoopbackClient(_app, _baseAddress);
        var anonymous = await guest.SignInAnonymousAsync();
        Assert.Equal(HttpStatusCode.OK, anonymous.Status);
        return (guest, anonymous);
    }

    private async Task AssertGuestTokenIsDeadAsync(string guestToken)
    {
        var byBearer = fixture.CreateLoopbackClient(_app!, _baseAddress!);
        await Eventually.HoldsAsync(
            async () => (await byBearer.GetAsync("/get-session", r => r.Headers.Authorization = new("Bearer", guestToken))).Body == "null",
            TimeSpan.FromSeconds(15));
    }
}
