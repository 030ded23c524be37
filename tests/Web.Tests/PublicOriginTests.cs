using System.Net;
using AspireAuth.Web.Tests.Harness;

namespace AspireAuth.Web.Tests;

/// <summary>
/// Web calls Auth.Api with its configured public origin, whatever address the browser opened the store at:
/// the Host header is the client's to choose, and Auth.Api trusts only the configured origin.
/// </summary>
public sealed class PublicOriginTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5100")]
    [InlineData("http://attacker.example")]
    public async Task Sign_up_sends_the_configured_origin_not_one_built_from_the_Host_header(string storeAddress)
    {
        await using var authApi = await StubBackend.StartAsync(app =>
        {
            app.MapGet("/api/auth/get-session", () => Results.Json<object?>(null));
            app.MapPost("/api/auth/sign-up/email", (HttpContext context) =>
                BackendAnswers.SignedIn(context, StubBackend.MemberCookie, "member", "Ada", isAnonymous: false));
        });
        await using var storefront = new Storefront(authApi.Address, Storefront.ClosedPort());
        using var browser = storefront.CreateBrowser(new Uri(storeAddress));

        using var signedUp = await browser.SubmitFormAsync("/SignUp", new Dictionary<string, string>
        {
            ["Name"] = "Ada",
            ["Email"] = "ada@example.com",
            ["Password"] = "correct horse battery",
        });

        Assert.Equal(HttpStatusCode.Redirect, signedUp.StatusCode);
        Assert.Equal(Storefront.PublicOrigin, authApi.OnlyRequest("POST", "/api/auth/sign-up/email").Origin);
    }
}
