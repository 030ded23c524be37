using System.Diagnostics.Metrics;
using System.Net;
using AspireAuth.Cart.Api.Data;
using AspireAuth.EventBus;
using AspireAuth.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using StackExchange.Redis;

namespace AspireAuth.Cart.Api.Tests;

/// <summary>
/// The consumer's backlog as Redis reports it, measured outside the consumer's loop: a consumer stuck in its handler
/// shows lag and turns <c>/health/pipeline</c> Degraded, dead letters do too, while <c>/health</c> (readiness) stays
/// Healthy; both come back to Healthy once the cause is gone.
/// </summary>
[Collection(ShopCollection.Name)]
public sealed class PipelineHealthTests(PipelineHealthTests.Fixture fixture) : IClassFixture<PipelineHealthTests.Fixture>, IAsyncLifetime
{
    /// <summary>No Cart.Api of its own: each test starts the only consumer of the group, with the thresholds it needs.</summary>
    public sealed class Fixture(ShopInfrastructure infrastructure) : ServiceFixture(infrastructure, ShopFixture.Secret);

    private ConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync()
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(fixture.Infrastructure.ConnectionStrings["redis"]);
        await _redis.GetDatabase().KeyDeleteAsync(EventStream.DeadLetterKey);
    }

    public async Task DisposeAsync()
    {
        await fixture.DisposeAppsAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task A_consumer_stuck_in_its_handler_shows_the_lag_Redis_reports_and_the_pipeline_turns_Degraded_then_Healthy_while_readiness_stays_Healthy()
    {
        var cart = StartCart();
        using var lag = new Gauge("aspireauth.events.lag", cart.Services.GetRequiredService<IMeterFactory>());
        using var oldestPending = new Gauge("aspireauth.events.oldest_pending.age", cart.Services.GetRequiredService<IMeterFactory>());
        using var http = cart.CreateClient();
        await LinkEvents.PublishAsync(_redis, $"guest-{Guid.NewGuid():N}", $"user-{Guid.NewGuid():N}");
        await Eventually.HoldsAsync(async () => await StatusAsync(http, "/health/pipeline") == "Healthy" && await LinkEvents.PendingAsync(_redis) == 0,
            TimeSpan.FromSeconds(15));

        // The handler's inbox insert waits behind this lock: the consumer is stuck, its loop neither fails nor reads on.
        await using var blocker = new NpgsqlConnection(fixture.Infrastructure.ConnectionStrings["cartdb"]);
        await blocker.OpenAsync();
        await using var blocking = await blocker.BeginTransactionAsync();
        await using (var lockInbox = new NpgsqlCommand("LOCK TABLE inbox_message IN EXCLUSIVE MODE", blocker, blocking))
        {
            await lockInbox.ExecuteNonQueryAsync();
        }

        await LinkEvents.PublishAsync(_redis, $"guest-{Guid.NewGuid():N}", $"user-{Guid.NewGuid():N}");
        // Delivered and not acknowledged: the consumer is in its handler, and reads nothing more until it returns.
        await Eventually.HoldsAsync(async () => await LinkEvents.PendingAsync(_redis) == 1, TimeSpan.FromSeconds(15));
        for (var i = 0; i < 3; i++)
        {
            await LinkEvents.PublishAsync(_redis, $"guest-{Guid.NewGuid():N}", $"user-{Guid.NewGuid():N}");
        }

        await Eventually.HoldsAsync(async () => await StatusAsync(http, "/health/pipeline") == "Degraded", TimeSpan.FromSeconds(15));
        var group = (await _redis.GetDatabase().StreamGroupInfoAsync(EventStream.Key)).Single(group => group.Name == LinkEvents.CartConsumerGroup);
        Assert.Equal(3, group.Lag);
        Assert.Equal(3, lag.Read());
        Assert.True(oldestPending.Read() >= 1, $"oldest pending age {oldestPending.Read()} s");
        using (var readiness = await http.GetAsync("/health"))
        {
            Assert.Equal(HttpStatusCode.OK, readiness.StatusCode);
            Assert.Equal("Healthy", await readiness.Content.ReadAsStringAsync());
        }

        await blocking.RollbackAsync();
        await Eventually.HoldsAsync(async () => await StatusAsync(http, "/health/pipeline") == "Healthy" && lag.Read() == 0 && oldestPending.Read() == 0,
            TimeSpan.FromSeconds(15));
        Assert.Equal(0, await LinkEvents.PendingAsync(_redis));
    }

    [Fact]
    public async Task Dead_letters_turn_the_pipeline_Degraded_until_they_are_gone_and_readiness_stays_Healthy()
    {
        var cart = StartCart();
        using var deadLetters = new Gauge("aspireauth.events.dead_letters", cart.Services.GetRequiredService<IMeterFactory>());
        using var http = cart.CreateClient();
        await Eventually.HoldsAsync(async () => await StatusAsync(http, "/health/pipeline") == "Healthy", TimeSpan.FromSeconds(15));

        var poisonId = await _redis.GetDatabase().StreamAddAsync(EventStream.Key, [new NameValueEntry("hello", "world")]);
        await _redis.GetSubscriber().PublishAsync(EventStream.NudgeChannel, poisonId.ToString());

        await Eventually.HoldsAsync(async () => await StatusAsync(http, "/health/pipeline") == "Degraded", TimeSpan.FromSeconds(15));
        Assert.Equal(1, deadLetters.Read());
        Assert.Equal("Healthy", await StatusAsync(http, "/health"));

        // What an operator does once they have looked at it (or replayed it).
        await _redis.GetDatabase().KeyDeleteAsync(EventStream.DeadLetterKey);
        await Eventually.HoldsAsync(async () => await StatusAsync(http, "/health/pipeline") == "Healthy" && deadLetters.Read() == 0,
            TimeSpan.FromSeconds(15));
    }

    /// <summary>
    /// The only Cart.Api of the group, reading Redis and PostgreSQL afresh for each look (no cache), Degraded when an entry
    /// waits longer than a second; without the cart cache, whose change leases would turn a stuck handler into a failing one.
    /// </summary>
    private WebApplicationFactory<CartDbContext> StartCart() =>
        fixture.StartApp<CartDbContext>(new Dictionary<string, string?>
        {
            ["Caching:Enabled"] = "false",
            [$"{PipelineHealthOptions.SectionName}:{nameof(PipelineHealthOptions.MaxWaitingAge)}"] = "00:00:01",
            [$"{PipelineHealthOptions.SectionName}:{nameof(PipelineHealthOptions.ReadEvery)}"] = "00:00:00",
        });

    private static async Task<string> StatusAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}
