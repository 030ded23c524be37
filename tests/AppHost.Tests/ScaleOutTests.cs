using Npgsql;
using StackExchange.Redis;

namespace AspireAuth.AppHost.Tests;

/// <summary>Two replicas of Auth.Api and of Cart.Api, as <c>WithReplicas(2)</c> runs them.</summary>
public sealed class ScaledOutAppFixture : AspireAppFixture
{
    protected override void ConfigureApp(IDistributedApplicationTestingBuilder builder)
    {
        foreach (var name in new[] { "auth-api", "cart-api" })
        {
            var project = builder.Resources.OfType<ProjectResource>().Single(resource => resource.Name == name);
            builder.CreateResourceBuilder(project).WithReplicas(2);
        }

        // Keep every stream entry for the duration of the test so duplicates would be visible.
        var authApi = builder.Resources.OfType<ProjectResource>().Single(resource => resource.Name == "auth-api");
        builder.CreateResourceBuilder(authApi).WithEnvironment("Outbox__MaintenanceInterval", "1.00:00:00");
    }
}

[CollectionDefinition(Name)]
public sealed class ScaledOutAppCollection : ICollectionFixture<ScaledOutAppFixture>
{
    public const string Name = "ScaledOutApp";
}

[Collection(ScaledOutAppCollection.Name)]
public sealed class ScaleOutTests(ScaledOutAppFixture fixture)
{
    private const int Links = 50;

    [Fact]
    public async Task Fifty_links_across_two_replicas_each_take_over_once_and_publish_once()
    {
        using var auth = fixture.App.CreateHttpClient("auth-api");
        using var cart = fixture.App.CreateHttpClient("cart-api");
        var customers = new List<(string Token, int ProductId)>();
        for (var i = 0; i < Links; i++)
        {
            var guest = await ShopperFlows.SignInAnonymouslyAsync(auth);
            await ShopperFlows.AddToCartAsync(cart, guest, 1 + (i % 12), 1);
            customers.Add((await ShopperFlows.SignUpAsync(auth, guest, $"scale+{i}+{Guid.NewGuid():N}@example.com"), 1 + (i % 12)));
        }

        foreach (var (token, productId) in customers)
        {
            var lines = await ShopperFlows.WaitForCartAsync(cart, token, lines => lines.Count == 1, TimeSpan.FromSeconds(15));
            Assert.Equal([(productId, 1)], lines);
        }

        await using var cartDb = new NpgsqlConnection(await fixture.App.GetConnectionStringAsync("cartdb"));
        await cartDb.OpenAsync();
        await using var inbox = new NpgsqlCommand("SELECT count(*), count(DISTINCT event_id) FROM inbox_message WHERE consumer = 'cart-merge'", cartDb);
        await using var reader = await inbox.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal(Links, reader.GetInt64(0));
        Assert.Equal(Links, reader.GetInt64(1));

        await using var redis = await ConnectionMultiplexer.ConnectAsync(await fixture.App.GetConnectionStringAsync("redis") ?? "");
        var entries = await redis.GetDatabase().StreamRangeAsync("aspireauth:events");
        var linkEvents = entries.Where(entry => entry["type"] == "auth.anonymous-account-linked").Select(entry => entry["event_id"].ToString()).ToList();
        Assert.Equal(Links, linkEvents.Count);
        Assert.Equal(Links, linkEvents.Distinct().Count());
    }
}
