using System.Net.Http.Json;
using System.Text.Json;
using AspireAuth.Cart.Api.Data;
using AspireAuth.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AspireAuth.Cart.Api.Tests;

/// <summary>Cart.Api (re)started while PostgreSQL is down waits for it instead of exiting.</summary>
public sealed class StartupTests
{
    [Fact]
    public async Task Started_while_postgres_is_down_it_waits_then_migrates_and_serves()
    {
        await using var infrastructure = await RealInfrastructure.StartAsync("cartdb");
        var cartDb = infrastructure.ConnectionStrings["cartdb"];
        await infrastructure.StopServerAsync("postgres");
        using var failures = new BackgroundFailures("migrate-CartDbContext");
        await using var cart = new WebApplicationFactory<CartDbContext>().WithWebHostBuilder(web =>
        {
            web.UseEnvironment("Testing");
            web.UseSetting("ConnectionStrings:cartdb", cartDb);
            web.UseSetting("ConnectionStrings:redis", infrastructure.ConnectionStrings["redis"]);
            web.UseSetting("Auth:Secret", ShopFixture.Secret);
            web.UseSetting("Hosting:ResilientLoops:MaxBackoff", "00:00:01");
        });

        var started = Task.Run(() => cart.Services);
        await Eventually.HoldsAsync(() => Task.FromResult(failures.Count >= 3 || started.IsCompleted), TimeSpan.FromSeconds(60));
        Assert.False(started.IsCompleted, $"The host should still be waiting for PostgreSQL; it ended: {started.Exception}");

        await infrastructure.StartServerAsync("postgres");
        var services = await started.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.False(services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
        Assert.Equal(1L, await Sql.ScalarAsync<long>(cartDb,
            "SELECT count(*) FROM \"__EFMigrationsHistory\" WHERE \"MigrationId\" LIKE '%\\_LinkedGuest'"));
        var catalog = await cart.CreateClient().GetFromJsonAsync<JsonElement>("/api/catalog");
        Assert.Equal(12, catalog.GetArrayLength());
    }
}
