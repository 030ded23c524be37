using System.Net;

namespace AspireAuth.AppHost.Tests;

[Collection(AspireAppCollection.Name)]
public sealed class AppStartsTests(AspireAppFixture fixture)
{
    [Theory]
    [InlineData("auth-api")]
    [InlineData("cart-api")]
    [InlineData("web")]
    [InlineData("identity-provider")]
    public async Task Every_service_reports_healthy(string service)
    {
        using var http = fixture.App.CreateHttpClient(service);

        using var response = await http.GetAsync(new Uri("/health", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_storefront_shows_the_seeded_catalog()
    {
        using var http = fixture.App.CreateHttpClient("web");

        var page = await http.GetStringAsync(new Uri("/", UriKind.Relative));

        Assert.Contains("Trail Running Shoes", page, StringComparison.Ordinal);
        Assert.Contains("Trail Map Set", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trailhead_ID_names_itself_after_the_URL_Auth_api_is_given_as_its_issuer()
    {
        // What the AppHost gives Auth.Api as the issuer: the identity provider's http endpoint, which browsers use too.
        var issuer = fixture.App.GetEndpoint("identity-provider", "http");
        using var http = new HttpClient();

        using var discovery = System.Text.Json.JsonDocument.Parse(
            await http.GetStringAsync(new Uri(issuer, ".well-known/openid-configuration")));

        Assert.Equal(issuer.AbsoluteUri, discovery.RootElement.GetProperty("issuer").GetString());
        Assert.Equal(new Uri(issuer, "connect/authorize").AbsoluteUri, discovery.RootElement.GetProperty("authorization_endpoint").GetString());
    }

    [Fact]
    public async Task Auth_api_answers_ok()
    {
        using var http = fixture.App.CreateHttpClient("auth-api");

        var body = await http.GetStringAsync(new Uri("/api/auth/ok", UriKind.Relative));

        Assert.Equal("""{"ok":true}""", body);
    }
}
