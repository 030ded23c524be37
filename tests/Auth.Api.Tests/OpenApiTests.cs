using System.Net;
using System.Text.Json;

namespace AspireAuth.Auth.Api.Tests;

[Collection(AuthApiCollection.Name)]
public sealed class OpenApiTests(AuthApiFixture fixture) : IClassFixture<AuthApiFixture>
{
    [Theory]
    [InlineData("/api/auth/sign-up/email", new[] { "name", "email", "password", "image", "rememberMe", "callbackURL" })]
    [InlineData("/api/auth/sign-in/email", new[] { "email", "password", "rememberMe", "callbackURL" })]
    [InlineData("/api/auth/revoke-session", new[] { "token" })]
    public async Task The_document_describes_each_json_request_body(string path, string[] properties)
    {
        using var response = await fixture.SharedApp.CreateClient().GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        var body = document.GetProperty("paths").GetProperty(path).GetProperty("post").GetProperty("requestBody");

        Assert.True(body.GetProperty("required").GetBoolean());
        var schema = Resolve(document, body.GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        Assert.Equal("object", schema.GetProperty("type").GetString());
        Assert.Equal(properties, schema.GetProperty("properties").EnumerateObject().Select(p => p.Name));
    }

    private static JsonElement Resolve(JsonElement document, JsonElement schema) =>
        schema.TryGetProperty("$ref", out var reference)
            ? document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!["#/components/schemas/".Length..])
            : schema;
}
