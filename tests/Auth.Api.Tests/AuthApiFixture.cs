using AspireAuth.Auth.Api.Data;
using AspireAuth.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>Real PostgreSQL and Redis for the collection; each test gets Auth.Api in-process against them.</summary>
public sealed class AuthApiFixture : IAsyncLifetime
{
    public const string Secret = "auth-api-tests-secret-0123456789-abcdefgh";

    private readonly List<IAsyncDisposable> _factories = [];

    public RealInfrastructure Infrastructure { get; private set; } = null!;

    public string AuthDb => Infrastructure.ConnectionStrings["authdb"];

    public async Task InitializeAsync() => Infrastructure = await RealInfrastructure.StartAsync("authdb");

    public async Task DisposeAsync()
    {
        foreach (var factory in _factories)
        {
            await factory.DisposeAsync();
        }

        if (Infrastructure is not null)
        {
            await Infrastructure.DisposeAsync();
        }
    }

    /// <summary>
    /// An Auth.Api instance (rate limiting off unless <paramref name="settings"/> turn it on). Its
    /// <c>DbContext</c> names the app: <c>Program</c> is ambiguous next to the AppHost's.
    /// </summary>
    public WebApplicationFactory<AuthDbContext> CreateApp(Dictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var factory = new WebApplicationFactory<AuthDbContext>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            web.UseSetting("ConnectionStrings:authdb", AuthDb);
            web.UseSetting("ConnectionStrings:redis", Infrastructure.ConnectionStrings["redis"]);
            web.UseSetting("Auth:Secret", Secret);
            web.UseSetting("Auth:RateLimit:Enabled", "false");
            foreach (var (key, value) in settings ?? [])
            {
                web.UseSetting(key, value);
            }

            if (services is not null)
            {
                web.ConfigureServices(services);
            }
        });
        _factories.Add(factory);
        return factory;
    }

    public AuthHttp CreateClient(WebApplicationFactory<AuthDbContext> app) =>
        new(app.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false, AllowAutoRedirect = false }));

    public async Task<T?> QueryScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(AuthDb);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default : (T)result;
    }

    public async Task ExecuteAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(AuthDb);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        await command.ExecuteNonQueryAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class AuthApiCollection : ICollectionFixture<AuthApiFixture>
{
    public const string Name = "AuthApi";
}
