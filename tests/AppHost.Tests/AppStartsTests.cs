using System.Net;

namespace AspireAuth.AppHost.Tests;

[Collection(AspireAppCollection.Name)]
public sealed class AppStartsTests(AspireAppFixture fixture)
{
    [Theory]
    [InlineData("auth-api")]
    [InlineData("cart-api")]
    [InlineData("web")]
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
    public async Task Auth_api_answers_ok()
    {
        using var http = fixture.App.CreateHttpClient("auth-api");

        var body = await http.GetStringAsync(new Uri("/api/auth/ok", UriKind.Relative));

        Assert.Equal("""{"ok":true}""", body);
    }
}
