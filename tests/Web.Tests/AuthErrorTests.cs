using System.Net;
using AspireAuth.Web.Tests.Harness;

namespace AspireAuth.Web.Tests;

/// <summary>Auth.Api's refusals reach the visitor as sentences they can act on, on the form they filled in.</summary>
public sealed class AuthErrorTests
{
    private static readonly Dictionary<string, string> SignUpForm = new()
    {
        ["Name"] = "Ada",
        ["Email"] = "ada@example.com",
        ["Password"] = "correct horse battery",
    };

    private static readonly Dictionary<string, string> SignInForm = new()
    {
        ["Email"] = "ada@example.com",
        ["Password"] = "wrong password",
    };

    [Fact]
    public async Task Duplicate_email_on_sign_up()
    {
        await using var authApi = await StubBackend.StartAsync(app => app.MapPost("/api/auth/sign-up/email", () =>
            BackendAnswers.Error(422, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL", "User already exists. Use another email.")));

        var (status, html) = await SubmitAsync(authApi, "/SignUp", SignUpForm);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Contains("An account with this email already exists. Sign in instead, or use another email.", html, StringComparison.Ordinal);
        Assert.Contains("value=\"ada@example.com\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("correct horse battery", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_password_on_sign_in()
    {
        await using var authApi = await StubBackend.StartAsync(app => app.MapPost("/api/auth/sign-in/email", () =>
            BackendAnswers.Error(401, "INVALID_EMAIL_OR_PASSWORD", "Invalid email or password")));

        var (status, html) = await SubmitAsync(authApi, "/SignIn", SignInForm);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("That email and password don&#x27;t match an account. Check them and try again.", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/SignIn", "/api/auth/sign-in/email")]
    [InlineData("/SignUp", "/api/auth/sign-up/email")]
    public async Task Too_many_attempts_says_how_long_to_wait(string page, string endpoint)
    {
        await using var authApi = await StubBackend.StartAsync(app => app.MapPost(endpoint, (HttpContext context) =>
        {
            context.Response.Headers["X-Retry-After"] = "42";
            return BackendAnswers.Error(429, "TOO_MANY_REQUESTS", "Too many requests. Please try again later.");
        }));

        var (status, html) = await SubmitAsync(authApi, page, page == "/SignIn" ? SignInForm : SignUpForm);

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Contains("Too many attempts. Please wait 42 seconds and try again.", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_form_is_answered_without_calling_auth_api()
    {
        await using var authApi = await StubBackend.StartAsync(_ => { });

        var (status, html) = await SubmitAsync(authApi, "/SignUp", new Dictionary<string, string>
        {
            ["Name"] = "",
            ["Email"] = "not an email",
            ["Password"] = "short",
        });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Enter your name.", html, StringComparison.Ordinal);
        Assert.Contains("Enter an email address like name@example.com.", html, StringComparison.Ordinal);
        Assert.Contains("Choose a password of 8 to 128 characters.", html, StringComparison.Ordinal);
        Assert.Empty(authApi.Requests);
    }

    private static async Task<(HttpStatusCode Status, string Html)> SubmitAsync(StubBackend authApi, string page, Dictionary<string, string> form)
    {
        await using var storefront = Storefront.Over(authApi);
        using var browser = storefront.CreateBrowser();
        using var response = await browser.SubmitFormAsync(page, form);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
