using System.Net;
using AspireAuth.Auth.Api.BetterAuth;
using AspireAuth.Auth.Api.Data;
using AspireAuth.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>
/// Better Auth's core composed without the anonymous plugin, against a database of its own that it
/// migrates itself: the plugin is optional, and nothing of it shows when it is off.
/// </summary>
[Collection(AuthApiCollection.Name)]
public sealed class CoreWithoutPluginTests(AuthApiFixture fixture) : IClassFixture<AuthApiFixture>, IAsyncLifetime
{
    private static readonly string[] CoreUserFields = ["name", "email", "emailVerified", "image", "createdAt", "updatedAt", "id"];

    private WebApplication _app = null!;
    private string _database = null!;

    public async Task InitializeAsync()
    {
        (_database, var connectionString) = await TestDatabases.CreateAsync(fixture, "core_only");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:authdb"] = connectionString,
            ["ConnectionStrings:redis"] = fixture.Infrastructure.ConnectionStrings["redis"],
            ["Auth:Secret"] = AuthApiFixture.Secret,
            ["Auth:RateLimit:Enabled"] = "false",
        });
        builder.AddServiceDefaults();
        builder.AddAuthApi();
        _app = builder.Build();
        _app.MapDefaultEndpoints();
        _app.MapAuthApi();
        // Migrates the new database with the plugin-off model (the migrations still create the plugin's tables).
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await TestDatabases.DropAsync(fixture, _database);
    }

    [Fact]
    public void No_part_of_the_plugin_is_registered()
    {
        using var scope = _app.Services.CreateScope();
        Assert.Empty(scope.ServiceProvider.GetServices<IAuthPlugin>());
        Assert.Empty(_app.Services.GetServices<IAuthPluginEndpoints>());
        Assert.DoesNotContain(_app.Services.GetServices<IHostedService>(), service => service.GetType().Namespace == "AspireAuth.Auth.Api.Anonymous");
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        Assert.Null(db.Model.FindEntityType("AspireAuth.Auth.Api.Anonymous.AnonymousLink"));
        Assert.Null(db.Model.FindEntityType(typeof(User))!.FindProperty("IsAnonymous"));
    }

    [Fact]
    public async Task Sign_up_sign_in_get_session_and_sign_out_work_and_users_have_no_isAnonymous_field()
    {
        var client = new AuthHttp(_app.GetTestClient());
        var email = TestData.UniqueEmail();

        var signUp = await client.SignUpAsync(email);
        Assert.Equal(HttpStatusCode.OK, signUp.Status);
        Assert.Equal(CoreUserFields, signUp.Json.GetProperty("user").EnumerateObject().Select(p => p.Name));

        var session = await client.GetAsync("/get-session");
        Assert.Equal(HttpStatusCode.OK, session.Status);
        Assert.Equal(signUp.UserId, session.UserId);
        Assert.Equal(CoreUserFields, session.Json.GetProperty("user").EnumerateObject().Select(p => p.Name));

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/sign-out")).Status);
        Assert.Equal("null", (await client.GetAsync("/get-session")).Body);

        var signIn = await client.SignInAsync(email);
        Assert.Equal(HttpStatusCode.OK, signIn.Status);
        Assert.Equal(signUp.UserId, signIn.UserId);
        Assert.Equal(CoreUserFields, signIn.Json.GetProperty("user").EnumerateObject().Select(p => p.Name));
        Assert.Equal(signUp.UserId, (await client.GetAsync("/get-session")).UserId);

        // The column the migrations created keeps its default for users written without the plugin.
        var connection = fixture.Infrastructure.ConnectionStrings["authdb"];
        Assert.False(await Sql.ScalarAsync<bool>(TestDatabases.ConnectionString(connection, _database),
            """SELECT "isAnonymous" FROM "user" WHERE id = $1""", signUp.UserId));
    }

    [Theory]
    [InlineData("/sign-in/anonymous")]
    [InlineData("/delete-anonymous-user")]
    public async Task The_plugin_paths_answer_like_any_unknown_path(string path)
    {
        var client = new AuthHttp(_app.GetTestClient());
        var unknown = await client.PostAsync("/no-such-endpoint");

        var reply = await client.PostAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, reply.Status);
        Assert.Equal((unknown.Status, unknown.Body, unknown.MediaType), (reply.Status, reply.Body, reply.MediaType));
        Assert.Null(reply.SessionCookieSet);
    }
}

/// <summary>Databases of their own, in the fixture's PostgreSQL, for tests that must start from an empty schema.</summary>
internal static class TestDatabases
{
    public static async Task<(string Name, string ConnectionString)> CreateAsync(AuthApiFixture fixture, string purpose)
    {
        var name = $"authdb_{purpose}_{Guid.NewGuid():N}"[..40];
        await fixture.ExecuteAsync($"CREATE DATABASE \"{name}\"");
        return (name, ConnectionString(fixture.AuthDb, name));
    }

    public static async Task DropAsync(AuthApiFixture fixture, string name)
    {
        NpgsqlConnection.ClearAllPools();
        await fixture.ExecuteAsync($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    }

    public static string ConnectionString(string connectionString, string database) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Database = database }.ConnectionString;
}
