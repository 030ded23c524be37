using System.Globalization;
using System.Net;
using System.Text.Json;
using AspireAuth.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>
/// The per-account limit on password checks: from every address together, progressive, shared by
/// replicas through Redis, and the same for an e-mail no account has. Each test runs two Auth.Api
/// instances behind one trusted proxy, every attempt from a new client address, so only the
/// per-account limit can refuse.
/// </summary>
[Collection(AuthApiCollection.Name)]
public sealed class FailedSignInLimitTests(AuthApiFixture fixture) : IClassFixture<AuthApiFixture>, IAsyncLifetime
{
    private const int FreeFailures = 5;
    private const string WrongPassword = "wrong-horse-battery";

    private const string TooManyRequests = """{"message":"Too many requests. Please try again later.","code":"TOO_MANY_REQUESTS"}""";

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => fixture.DisposeAppsAsync();

    [Fact]
    public async Task Forty_wrong_passwords_from_forty_addresses_are_not_all_checked()
    {
        var instances = TwoInstances(firstLockout: TimeSpan.FromMinutes(1));
        var email = await SignUpAsync(instances[0]);

        var replies = new List<Reply>();
        for (var i = 0; i < 40; i++)
        {
            // Any spelling of the address is the same account.
            var spelled = i % 3 == 0 ? email.ToUpperInvariant() : email;
            replies.Add(await SignInAsync(instances[i % 2], spelled, WrongPassword));
        }

        Assert.All(replies.Take(FreeFailures), reply => Assert.Equal("INVALID_EMAIL_OR_PASSWORD", reply.Code));
        Assert.All(replies.Skip(FreeFailures), reply => AssertTooManyRequests(reply, maxSeconds: 60));

        // Not checked while locked: the right password would have signed in.
        AssertTooManyRequests(await SignInAsync(instances[1], email, TestData.Password), maxSeconds: 60);
    }

    [Fact]
    public async Task A_concurrent_burst_gets_no_more_password_checks_than_the_free_failures()
    {
        var instances = TwoInstances(firstLockout: TimeSpan.FromMinutes(1));
        var email = await SignUpAsync(instances[0]);

        // Each attempt is counted before its password is checked, so a burst cannot slip in ahead of the first failure.
        var replies = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => SignInAsync(instances[i % 2], email, WrongPassword)));

        Assert.Equal(FreeFailures, replies.Count(reply => reply.Status == HttpStatusCode.Unauthorized));
        Assert.All(replies.Where(reply => reply.Status != HttpStatusCode.Unauthorized), reply => AssertTooManyRequests(reply, maxSeconds: 60));
    }

    [Fact]
    public async Task The_right_password_works_once_the_lockout_ends_and_resets_the_count()
    {
        var instances = TwoInstances(firstLockout: TimeSpan.FromSeconds(1));
        var email = await SignUpAsync(instances[0]);
        for (var i = 0; i < FreeFailures; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(instances[i % 2], email, WrongPassword)).Status);
        }

        Reply? signedIn = null;
        await Eventually.HoldsAsync(async () =>
        {
            var reply = await SignInAsync(instances[1], email, TestData.Password);
            Assert.True(reply.Status is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"{reply.Status}: {reply.Body}");
            signedIn = reply;
            return reply.Status == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(10));
        Assert.NotNull(signedIn!.SessionCookieSet);

        // The success forgot the failures: the free ones are free again.
        for (var i = 0; i < FreeFailures - 1; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(instances[i % 2], email, WrongPassword)).Status);
        }
    }

    [Fact]
    public async Task Each_lockout_after_the_free_failures_is_longer_than_the_one_before()
    {
        var instances = TwoInstances(firstLockout: TimeSpan.FromSeconds(1), maxLockout: TimeSpan.FromSeconds(4));
        var email = TestData.UniqueEmail("nobody");
        for (var i = 0; i < FreeFailures; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignInAsync(instances[i % 2], email, WrongPassword)).Status);
        }

        // Locked for 1 s after the 5th failure, 2 s after the 6th, then 4 s (the cap) after every further one.
        foreach (var expectedSeconds in new[] { 2, 4, 4 })
        {
            await Eventually.HoldsAsync(async () =>
                (await SignInAsync(instances[0], email, WrongPassword)).Status == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(10));
            var locked = await SignInAsync(instances[1], email, WrongPassword);
            AssertTooManyRequests(locked, maxSeconds: expectedSeconds);
            Assert.Equal(expectedSeconds, RetryAfter(locked));
        }
    }

    [Fact]
    public async Task An_unknown_email_gets_exactly_the_same_answers_as_a_known_one()
    {
        var instances = TwoInstances(firstLockout: TimeSpan.FromMinutes(1));
        var known = await SignUpAsync(instances[0]);
        var unknown = TestData.UniqueEmail("nobody");

        for (var i = 0; i < FreeFailures + 2; i++)
        {
            var toKnown = await SignInAsync(instances[i % 2], known, WrongPassword);
            var toUnknown = await SignInAsync(instances[i % 2], unknown, WrongPassword);

            Assert.Equal(i < FreeFailures ? HttpStatusCode.Unauthorized : HttpStatusCode.TooManyRequests, toKnown.Status);
            Assert.Equal(toKnown.Status, toUnknown.Status);
            Assert.Equal(toKnown.Body, toUnknown.Body);
            Assert.Equal(toKnown.MediaType, toUnknown.MediaType);
            Assert.Equal(toKnown.SetCookies, toUnknown.SetCookies);
            Assert.Equal(toKnown.Headers.Keys.Order(), toUnknown.Headers.Keys.Order());
            foreach (var (name, value) in toKnown.Headers.Where(header => header.Key is not ("date" or "x-retry-after")))
            {
                Assert.Equal(value, toUnknown.Headers[name]);
            }

            if (toKnown.Status == HttpStatusCode.TooManyRequests)
            {
                Assert.InRange(RetryAfter(toKnown), 59, 60);
                Assert.InRange(RetryAfter(toUnknown), 59, 60);
            }
        }
    }

    private static void AssertTooManyRequests(Reply reply, int maxSeconds)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, reply.Status);
        Assert.Equal(TooManyRequests, reply.Body);
        Assert.InRange(RetryAfter(reply), 1, maxSeconds);
        Assert.Empty(reply.SetCookies);
    }

    private static int RetryAfter(Reply reply) => int.Parse(reply.Headers["x-retry-after"], NumberStyles.None, CultureInfo.InvariantCulture);

    private static async Task<string> SignUpAsync(AuthHttp client)
    {
        var email = TestData.UniqueEmail();
        client.SessionCookie = null;
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/sign-up/email",
            JsonSerializer.Serialize(new { name = "Alice", email, password = TestData.Password }), configure: FromNewClient)).Status);
        return email;
    }

    /// <summary>A first-time caller from an address of its own.</summary>
    private static Task<Reply> SignInAsync(AuthHttp client, string email, string password)
    {
        client.SessionCookie = null;
        return client.PostAsync("/sign-in/email", JsonSerializer.Serialize(new { email, password }), configure: FromNewClient);
    }

    private static void FromNewClient(HttpRequestMessage request) =>
        request.Headers.Add("X-Forwarded-For", TestData.UniqueAddress().ToString());

    /// <summary>Two replicas behind one trusted proxy, sharing Redis, with <see cref="FreeFailures"/> free failures per account.</summary>
    private AuthHttp[] TwoInstances(TimeSpan firstLockout, TimeSpan? maxLockout = null)
    {
        var proxy = TestData.UniqueAddress();
        var settings = new Dictionary<string, string?>
        {
            ["Auth:RateLimit:Enabled"] = "true",
            ["Auth:RateLimit:TrustedProxies:0"] = proxy.ToString(),
            ["Auth:RateLimit:FailedSignIn:FreeFailures"] = FreeFailures.ToString(CultureInfo.InvariantCulture),
            ["Auth:RateLimit:FailedSignIn:FirstLockout"] = firstLockout.ToString("c", CultureInfo.InvariantCulture),
            ["Auth:RateLimit:FailedSignIn:MaxLockout"] = (maxLockout ?? TimeSpan.FromMinutes(15)).ToString("c", CultureInfo.InvariantCulture),
        };
        return [.. Enumerable.Range(0, 2).Select(_ => fixture.CreateClient(fixture.CreateApp(settings,
            services => services.Insert(0, ServiceDescriptor.Singleton<IStartupFilter>(new RemoteAddressStartupFilter(proxy))))))];
    }
}
