using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>
/// The fixed-window limit on sign-in and sign-up, counted in Redis so that replicas share it.
/// Every test runs two Auth.Api instances and uses its own addresses, so tests never share a counter.
/// </summary>
[Collection(AuthApiCollection.Name)]
public sealed class RateLimitTests(AuthApiFixture fixture) : IClassFixture<AuthApiFixture>, IAsyncLifetime
{
    private const int PermitLimit = 3;

    private const string TooManyRequests = """{"message":"Too many requests. Please try again later.","code":"TOO_MANY_REQUESTS"}""";

    public static TheoryData<string> LimitedPaths => ["/sign-in/anonymous", "/sign-in/email", "/sign-up/email"];

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => fixture.DisposeAppsAsync();

    [Theory]
    [MemberData(nameof(LimitedPaths))]
    public async Task The_request_after_the_limit_is_refused_across_both_instances(string path)
    {
        var instances = TwoInstances(peer: TestData.UniqueAddress());

        for (var i = 0; i < PermitLimit; i++)
        {
            var allowed = await SendAsync(instances[i % 2], path);
            Assert.NotEqual(HttpStatusCode.TooManyRequests, allowed.Status);
            Assert.False(allowed.Headers.ContainsKey("x-retry-after"));
        }

        var refusedEmail = TestData.UniqueEmail("refused");
        var refused = await SendAsync(instances[PermitLimit % 2], path, refusedEmail);

        AssertTooManyRequests(refused);
        Assert.False(await fixture.UserWithEmailExistsAsync(refusedEmail));
        AssertTooManyRequests(await SendAsync(instances[(PermitLimit + 1) % 2], path));
    }

    [Fact]
    public async Task Each_endpoint_has_its_own_budget()
    {
        var instances = TwoInstances(peer: TestData.UniqueAddress());
        for (var i = 0; i < PermitLimit; i++)
        {
            await SendAsync(instances[i % 2], "/sign-in/anonymous");
        }

        var otherPath = await SendAsync(instances[0], "/sign-up/email");

        AssertTooManyRequests(await SendAsync(instances[1], "/sign-in/anonymous"));
        Assert.Equal(HttpStatusCode.OK, otherPath.Status);
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget()
    {
        var proxy = TestData.UniqueAddress();
        var instances = TwoInstances(peer: proxy, trustedProxies: proxy);
        var busyClient = TestData.UniqueAddress().ToString();
        var quietClient = TestData.UniqueAddress().ToString();

        for (var i = 0; i < PermitLimit; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(instances[i % 2], "/sign-in/anonymous", forwardedFor: busyClient)).Status);
        }

        AssertTooManyRequests(await SendAsync(instances[0], "/sign-in/anonymous", forwardedFor: busyClient));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(instances[1], "/sign-in/anonymous", forwardedFor: quietClient)).Status);
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_a_client_cannot_dodge_the_limit_by_prepending_made_up_hops()
    {
        var proxy = TestData.UniqueAddress();
        var instances = TwoInstances(peer: proxy, trustedProxies: proxy);
        var client = TestData.UniqueAddress().ToString();

        // The trusted proxy appends the address it saw; whatever the client wrote before it is the client's own claim.
        for (var i = 0; i < PermitLimit; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(instances[i % 2], "/sign-in/anonymous", forwardedFor: $"{TestData.UniqueAddress()}, {client}")).Status);
        }

        AssertTooManyRequests(await SendAsync(instances[1], "/sign-in/anonymous", forwardedFor: $"{TestData.UniqueAddress()}, {client}"));
    }

    [Fact]
    public async Task A_comma_separated_entry_as_the_published_parameter_gives_it_trusts_each_proxy_listed()
    {
        var proxy = TestData.UniqueAddress();
        var instances = TwoInstances(proxy, new Dictionary<string, string?>
        {
            ["Auth:RateLimit:TrustedProxies:0"] = $"{TestData.UniqueAddress()}, {proxy}",
        });
        var busyClient = TestData.UniqueAddress().ToString();
        var quietClient = TestData.UniqueAddress().ToString();

        for (var i = 0; i < PermitLimit; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(instances[i % 2], "/sign-in/anonymous", forwardedFor: busyClient)).Status);
        }

        AssertTooManyRequests(await SendAsync(instances[0], "/sign-in/anonymous", forwardedFor: busyClient));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(instances[1], "/sign-in/anonymous", forwardedFor: quietClient)).Status);
    }

    [Fact]
    public async Task The_published_default_an_empty_entry_starts_and_trusts_no_proxy()
    {
        var instances = TwoInstances(TestData.UniqueAddress(), new Dictionary<string, string?> { ["Auth:RateLimit:TrustedProxies:0"] = "" });

        for (var i = 0; i < PermitLimit; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(instances[i % 2], "/sign-in/anonymous", forwardedFor: TestData.UniqueAddress().ToString())).Status);
        }

        AssertTooManyRequests(await SendAsync(instances[0], "/sign-in/anonymous", forwardedFor: TestData.UniqueAddress().ToString()));
    }

    [Fact]
    public async Task From_an_untrusted_peer_a_rotating_forwarded_for_does_not_dodge_the_limit()
    {
        var instances = TwoInstances(peer: TestData.UniqueAddress(), trustedProxies: TestData.UniqueAddress());

        for (var i = 0; i < PermitLimit; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(instances[i % 2], "/sign-in/anonymous", forwardedFor: TestData.UniqueAddress().ToString())).Status);
        }

        AssertTooManyRequests(await SendAsync(instances[0], "/sign-in/anonymous", forwardedFor: TestData.UniqueAddress().ToString()));
    }

    [Theory]
    [InlineData("/Sign-In/Email")]
    [InlineData("/SIGN-IN/EMAIL")]
    [InlineData("/sign-in/email/")]
    [InlineData("/SIGN-UP/EMAIL/")]
    public async Task Spelling_the_path_differently_does_not_open_a_new_budget(string spelling)
    {
        var instances = TwoInstances(peer: TestData.UniqueAddress());
        var canonical = spelling.ToLowerInvariant().TrimEnd('/');
        for (var i = 0; i < PermitLimit; i++)
        {
            Assert.NotEqual(HttpStatusCode.TooManyRequests, (await SendAsync(instances[i % 2], canonical)).Status);
        }

        var refusedEmail = TestData.UniqueEmail("refused");
        AssertTooManyRequests(await SendAsync(instances[0], spelling, refusedEmail));
        Assert.False(await fixture.UserWithEmailExistsAsync(refusedEmail));
    }

    [Fact]
    public async Task A_spelling_counts_against_the_same_budget_as_the_canonical_path()
    {
        var instances = TwoInstances(peer: TestData.UniqueAddress());
        string[] spellings = ["/Sign-In/Email", "/SIGN-IN/EMAIL", "/sign-in/email/"];
        foreach (var spelling in spellings)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(instances[0], spelling)).Status);
        }

        AssertTooManyRequests(await SendAsync(instances[1], "/sign-in/email"));
    }

    [Fact]
    public async Task Guest_sign_in_has_its_own_budget_and_cannot_use_up_the_credential_one()
    {
        const int GuestPermitLimit = PermitLimit + 2;
        var instances = TwoInstances(TestData.UniqueAddress(), new Dictionary<string, string?>
        {
            ["Auth:RateLimit:Anonymous:PermitLimit"] = GuestPermitLimit.ToString(CultureInfo.InvariantCulture),
        });

        for (var i = 0; i < GuestPermitLimit; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(instances[i % 2], "/sign-in/anonymous")).Status);
        }

        AssertTooManyRequests(await SendAsync(instances[0], "/sign-in/anonymous"));
        for (var i = 0; i < PermitLimit; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(instances[i % 2], "/sign-in/email")).Status);
        }

        AssertTooManyRequests(await SendAsync(instances[1], "/sign-in/email"));
        AssertTooManyRequests(await SendAsync(instances[0], "/sign-in/anonymous"));
    }

    [Fact]
    public async Task Addresses_of_one_ipv6_64_share_a_budget()
    {
        var proxy = TestData.UniqueAddress();
        var instances = TwoInstances(peer: proxy, trustedProxies: proxy);
        var prefix = TestData.UniqueAddress().GetAddressBytes();

        for (var i = 0; i < PermitLimit; i++)
        {
            prefix[15] = (byte)i;
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(instances[i % 2], "/sign-in/anonymous", forwardedFor: new System.Net.IPAddress(prefix).ToString())).Status);
        }

        prefix[15] = 0xff;
        AssertTooManyRequests(await SendAsync(instances[0], "/sign-in/anonymous", forwardedFor: new System.Net.IPAddress(prefix).ToString()));
    }

    [Fact]
    public async Task With_aspnetcore_forwarded_headers_enabled_a_spoofed_forwarded_for_from_an_unknown_peer_is_still_ignored()
    {
        // What Aspire's publish manifest sets on every project (ASPNETCORE_FORWARDEDHEADERS_ENABLED=true).
        var instances = TwoInstances(TestData.UniqueAddress(), new Dictionary<string, string?> { ["ForwardedHeaders_Enabled"] = "true" });

        for (var i = 0; i < PermitLimit; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(instances[i % 2], "/sign-in/anonymous", forwardedFor: TestData.UniqueAddress().ToString())).Status);
        }

        AssertTooManyRequests(await SendAsync(instances[0], "/sign-in/anonymous", forwardedFor: TestData.UniqueAddress().ToString()));
    }

    [Fact]
    public async Task Other_endpoints_are_not_limited()
    {
        var instances = TwoInstances(peer: TestData.UniqueAddress());
        await instances[0].SignInAnonymousAsync();

        for (var i = 0; i < PermitLimit * 2; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await instances[i % 2].GetAsync("/get-session")).Status);
        }
    }

    [Theory]
    [InlineData("Auth:RateLimit:Anonymous:PermitLimit", "0", typeof(AspireAuth.Auth.Api.Anonymous.AnonymousRateLimitOptions))]
    [InlineData("Auth:RateLimit:Anonymous:Window", "00:00:00", typeof(AspireAuth.Auth.Api.Anonymous.AnonymousRateLimitOptions))]
    [InlineData("Auth:RateLimit:FailedSignIn:FreeFailures", "0", typeof(AspireAuth.Auth.Api.BetterAuth.FailedSignInOptions))]
    [InlineData("Auth:RateLimit:FailedSignIn:FirstLockout", "00:00:00", typeof(AspireAuth.Auth.Api.BetterAuth.FailedSignInOptions))]
    [InlineData("Auth:RateLimit:FailedSignIn:MaxLockout", "00:00:00.500", typeof(AspireAuth.Auth.Api.BetterAuth.FailedSignInOptions))]
    [InlineData("Auth:RateLimit:TrustedProxies:0", "web", typeof(AspireAuth.Auth.Api.BetterAuth.RateLimitOptions))]
    [InlineData("ForwardedHeaders:KnownProxies:0", "load-balancer", typeof(Microsoft.Extensions.Hosting.TrustedProxiesOptions))]
    [InlineData("ForwardedHeaders:KnownNetworks:0", "10.0.0.0", typeof(Microsoft.Extensions.Hosting.TrustedProxiesOptions))]
    public void An_invalid_setting_stops_the_start(string key, string value, Type optionsType)
    {
        var app = fixture.CreateApp(new() { [key] = value });

        var failure = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => app.Services);

        Assert.Equal(optionsType, failure.OptionsType);
    }

    private static void AssertTooManyRequests(Reply reply)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, reply.Status);
        Assert.Equal(TooManyRequests, reply.Body);
        Assert.Equal("application/json", reply.MediaType);
        var retryAfter = int.Parse(reply.Headers["x-retry-after"], NumberStyles.None, CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);
        Assert.Empty(reply.SetCookies);
    }

    /// <summary>
    /// Two replicas behind the same peer, sharing Redis, with a limit of <see cref="PermitLimit"/> a minute on
    /// the credential endpoints and on guest sign-in (unless <paramref name="extraSettings"/> say otherwise).
    /// </summary>
    private AuthHttp[] TwoInstances(System.Net.IPAddress peer, params System.Net.IPAddress[] trustedProxies) =>
        TwoInstances(peer, [], trustedProxies);

    private AuthHttp[] TwoInstances(System.Net.IPAddress peer, Dictionary<string, string?> extraSettings, params System.Net.IPAddress[] trustedProxies)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Auth:RateLimit:Enabled"] = "true",
            ["Auth:RateLimit:PermitLimit"] = PermitLimit.ToString(CultureInfo.InvariantCulture),
            ["Auth:RateLimit:Window"] = "00:01:00",
            ["Auth:RateLimit:Anonymous:PermitLimit"] = PermitLimit.ToString(CultureInfo.InvariantCulture),
            ["Auth:RateLimit:Anonymous:Window"] = "00:01:00",
        };
        for (var i = 0; i < trustedProxies.Length; i++)
        {
            settings[$"Auth:RateLimit:TrustedProxies:{i}"] = trustedProxies[i].ToString();
        }

        foreach (var (key, value) in extraSettings)
        {
            settings[key] = value;
        }

        // First of all startup filters, so the peer is in place before ASP.NET Core's own forwarded-headers
        // middleware (switched on by ForwardedHeaders_Enabled) could replace it, as a real socket's would be.
        return [.. Enumerable.Range(0, 2).Select(_ => fixture.CreateClient(fixture.CreateApp(settings,
            services => services.Insert(0, ServiceDescriptor.Singleton<IStartupFilter>(new RemoteAddressStartupFilter(peer))))))];
    }

    /// <summary>A first-time caller's request to <paramref name="path"/>: no cookie, a valid body.</summary>
    private static Task<Reply> SendAsync(AuthHttp client, string path, string? email = null, string? forwardedFor = null)
    {
        client.SessionCookie = null;
        var body = path.ToLowerInvariant().TrimEnd('/') switch
        {
            "/sign-in/anonymous" => null,
            "/sign-in/email" => JsonSerializer.Serialize(new { email = email ?? TestData.UniqueEmail(), password = TestData.Password }),
            "/sign-up/email" => JsonSerializer.Serialize(new { name = "Rita", email = email ?? TestData.UniqueEmail(), password = TestData.Password }),
            _ => throw new ArgumentOutOfRangeException(nameof(path), path, "not a limited path"),
        };
        return client.PostAsync(path, body, configure: request =>
        {
            if (forwardedFor is not null)
            {
                request.Headers.Add("X-Forwarded-For", forwardedFor);
            }
        });
    }
}
