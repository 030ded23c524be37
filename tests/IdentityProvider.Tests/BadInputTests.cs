using System.Text;

namespace AspireAuth.IdentityProvider.Tests;

/// <summary>Whatever a client or browser sends, Trailhead ID answers 4xx, never 500.</summary>
public sealed class BadInputTests(Trailhead trailhead) : IClassFixture<Trailhead>
{
    [Theory]
    [InlineData("GET", "/connect/authorize", null, null, HttpStatusCode.BadRequest)]
    [InlineData("GET", "/connect/authorize?client_id=aspireauth-storefront&client_id=other", null, null, HttpStatusCode.BadRequest)]
    [InlineData("GET", "/connect/authorize?request=not-a-jwt", null, null, HttpStatusCode.BadRequest)]
    [InlineData("POST", "/connect/authorize", "multipart/form-data; boundary=x", "--x--", HttpStatusCode.BadRequest)]
    [InlineData("POST", "/connect/authorize", "application/x-www-form-urlencoded", "%%%=&&=", HttpStatusCode.BadRequest)]
    [InlineData("GET", "/connect/token", null, null, HttpStatusCode.BadRequest)]
    [InlineData("POST", "/connect/token", "application/json", """{"grant_type":"authorization_code"}""", HttpStatusCode.BadRequest)]
    [InlineData("POST", "/connect/token", "application/x-www-form-urlencoded", "grant_type=password&username=a&password=b", HttpStatusCode.BadRequest)]
    [InlineData("GET", "/connect/userinfo", null, null, HttpStatusCode.Unauthorized)]
    [InlineData("GET", "/connect/endsession?post_logout_redirect_uri=https%3A%2F%2Fevil.test%2F", null, null, HttpStatusCode.BadRequest)]
    [InlineData("POST", "/login", "application/x-www-form-urlencoded", "Email=hiker%40trailhead.test&Password=trailhead-dev-password", HttpStatusCode.BadRequest)]
    public async Task A_bad_request_gets_a_4xx(string method, string path, string? contentType, string? body, HttpStatusCode expected)
    {
        using var client = trailhead.Browser();
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType!);
        }

        using var response = await client.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Health_answers_healthy()
    {
        using var client = trailhead.Browser();

        Assert.Equal("Healthy", await client.GetStringAsync(new Uri("/health", UriKind.Relative)));
    }
}
