using System.Net;
using System.Text.Json;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>A <c>callbackURL</c> must stay on this site or a trusted origin (Better Auth's 403 <c>INVALID_CALLBACK_URL</c>).</summary>
[Collection(AuthApiCollection.Name)]
public sealed class CallbackUrlTests(AuthApiFixture fixture) : IClassFixture<AuthApiFixture>
{
    public static TheoryData<string> ForeignCallbacks =>
    [
        "https://evil.example/steal",
        "//evil.example/steal",
        "/\\evil.example/steal",
        "/%2fevil.example",
        "https://localhost.evil.example/",
        "https://user@evil.example/",
        "javascript:alert(1)",
        "data:text/html,hi",
        "evil.example/steal",
    ];

    public static TheoryData<string> OwnCallbacks => ["/", "/cart", "/account?tab=sessions", "http://localhost/after", "http://trusted.example/after"];

    [Theory]
    [MemberData(nameof(ForeignCallbacks))]
    public async Task Sign_up_and_sign_in_refuse_a_callback_to_another_site_and_create_nothing(string callbackUrl)
    {
        var client = fixture.CreateClient(fixture.SharedApp);
        var email = TestData.UniqueEmail();

        var signUp = await client.PostAsync("/sign-up/email",
            JsonSerializer.Serialize(new { name = "Alice", email, password = TestData.Password, callbackURL = callbackUrl }));
        var signIn = await client.PostAsync("/sign-in/email", JsonSerializer.Serialize(new { email, password = TestData.Password, callbackURL = callbackUrl }));

        Assert.All([signUp, signIn], reply =>
            Assert.Equal((HttpStatusCode.Forbidden, """{"message":"Invalid callbackURL","code":"INVALID_CALLBACK_URL"}"""), (reply.Status, reply.Body)));
        Assert.False(await fixture.UserWithEmailExistsAsync(email));
    }

    [Theory]
    [MemberData(nameof(OwnCallbacks))]
    public async Task A_callback_on_this_site_or_a_trusted_origin_is_accepted(string callbackUrl)
    {
        var app = fixture.CreateApp(new() { ["Auth:TrustedOrigins:0"] = "http://trusted.example" });
        var client = fixture.CreateClient(app);

        var signUp = await client.PostAsync("/sign-up/email",
            JsonSerializer.Serialize(new { name = "Alice", email = TestData.UniqueEmail(), password = TestData.Password, callbackURL = callbackUrl }));

        Assert.Equal(HttpStatusCode.OK, signUp.Status);
        await fixture.DisposeAppsAsync();
    }
}
