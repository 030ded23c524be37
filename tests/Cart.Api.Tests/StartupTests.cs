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
[Collection(ShopCollection.Name)]
public sealed class StartupTests(StartupTests.Services fixture) : IClassFixture<StartupTests.Services>
{
    /// <summary>No service started: the test starts Cart.Api itself, on a database it has never migrated.</summary>
    public sealed class Services(ShopInfrastructure infrastructure) : ServiceFixture(infrastructure, ShopFixture.Secret);

    [Fact]
    public async Task Started_while_postgres_is_down_it_waits_then_migrates_and_serves()
    {
        var infrastructure = fixture.Infrastructure;
        var cartDb = infrastructure.ConnectionStrings["cartdb"];
        await infrastructure.StopServerAsync("postgres");
        using var failures = new BackgroundFailures("migrate-CartDbContext");
        var cart = fixture.CreateApp<CartDbContext>(new Dictionary<string, string?> { ["Hosting:ResilientLoops:MaxBackoff"] = "00:00:01" });

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
