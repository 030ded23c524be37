using System.Net;
using System.Text.RegularExpressions;

namespace AspireAuth.AppHost.Tests;

/// <summary>The AppHost gives Web and Auth.Api one public origin: the store works whatever address it was opened at.</summary>
[Collection(AspireAppCollection.Name)]
public sealed partial class PublicOriginTests(AspireAppFixture fixture)
{
    [Fact]
    public async Task Signing_up_works_in_a_store_opened_at_127_0_0_1_instead_of_localhost()
    {
        var storeAddress = new UriBuilder(fixture.App.GetEndpoint("web", "http")) { Host = "127.0.0.1" }.Uri;
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new() }) { BaseAddress = storeAddress };
        var form = await browser.GetStringAsync(new Uri("/SignUp", UriKind.Relative));
        var token = AntiforgeryToken().Match(form);
        Assert.True(token.Success, form);

        using var response = await browser.PostAsync(new Uri("/SignUp", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Name"] = "Ada",
            ["Email"] = $"ada+{Guid.NewGuid():N}@example.com",
            ["Password"] = "correct horse battery",
            ["__RequestVerificationToken"] = token.Groups[1].Value,
        }));

        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), cookie => cookie.StartsWith("better-auth.session_token=", StringComparison.Ordinal));
    }

    [GeneratedRegex("""name="__RequestVerificationToken" type="hidden" value="([^"]+)""")]
    private static partial Regex AntiforgeryToken();
}
