using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using StackExchange.Redis;

namespace AspireAuth.AppHost.Tests;

/// <summary>The whole app, with Cart.Api calling an entry waiting longer than a second a backlog (instead of a minute).</summary>
public sealed class QuickPipelineSignalsAppFixture : AspireAppFixture
{
    protected override void ConfigureApp(IDistributedApplicationTestingBuilder builder)
    {
        var cartApi = builder.Resources.OfType<ProjectResource>().Single(resource => resource.Name == "cart-api");
        builder.CreateResourceBuilder(cartApi)
            .WithEnvironment("Messaging__Health__MaxWaitingAge", "00:00:01")
            .WithEnvironment("Messaging__Health__ReadEvery", "00:00:00")
            // A handler held up by the test may fail (its cart change lease runs out): retried soon, never dead-lettered here.
            .WithEnvironment("Messaging__Consumer__ClaimIdleTime", "00:00:01")
            .WithEnvironment("Messaging__Consumer__MaxAttempts", "100");
    }
}

[CollectionDefinition(Name)]
public sealed class QuickPipelineSignalsAppCollection : ICollectionFixture<QuickPipelineSignalsAppFixture>
{
    public const string Name = "QuickPipelineSignalsApp";
}

/// <summary>A stuck consumer turns its resource Degraded in the AppHost (what the dashboard shows), and Healthy again once it goes on.</summary>
[Collection(QuickPipelineSignalsAppCollection.Name)]
public sealed class StuckConsumerTests(QuickPipelineSignalsAppFixture fixture)
{
    [Fact]
    public async Task A_consumer_stuck_in_its_handler_turns_cart_api_Degraded_and_then_Healthy_again()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var notifications = fixture.App.ResourceNotifications;
        await using var redis = await ConnectionMultiplexer.ConnectAsync((await fixture.App.GetConnectionStringAsync("redis", timeout.Token))!);

        // The takeover's inbox insert waits behind this lock: Cart.Api's consumer is stuck in its handler.
        await using var blocker = new NpgsqlConnection(await fixture.App.GetConnectionStringAsync("cartdb", timeout.Token));
        await blocker.OpenAsync(timeout.Token);
        await using var blocking = await blocker.BeginTransactionAsync(timeout.Token);
        await using (var lockInbox = new NpgsqlCommand("LOCK TABLE inbox_message IN EXCLUSIVE MODE", blocker, blocking))
        {
            await lockInbox.ExecuteNonQueryAsync(timeout.Token);
        }

        await PublishLinkAsync(redis);
        var degraded = await notifications.WaitForResourceAsync("cart-api",
            resourceEvent => resourceEvent.Snapshot.HealthStatus == HealthStatus.Degraded, timeout.Token);
        Assert.Contains(degraded.Snapshot.HealthReports, report => report.Status == HealthStatus.Degraded && report.Name.Contains("pipeline", StringComparison.Ordinal));
        Assert.DoesNotContain(degraded.Snapshot.HealthReports, report => report.Status == HealthStatus.Unhealthy);

        await blocking.RollbackAsync(timeout.Token);
        await notifications.WaitForResourceAsync("cart-api",
            resourceEvent => resourceEvent.Snapshot.HealthStatus == HealthStatus.Healthy, timeout.Token);
    }

    /// <summary>A link event as Auth.Api's relay appends it, for a guest nobody knows (the takeover has nothing to move).</summary>
    private static async Task PublishLinkAsync(ConnectionMultiplexer redis)
    {
        var eventId = Guid.NewGuid();
        var occurredAt = DateTime.UtcNow.ToString("O");
        var payload = $$"""{"eventId":"{{eventId}}","occurredAt":"{{occurredAt}}","anonymousUserId":"guest-{{Guid.NewGuid():N}}","newUserId":"user-{{Guid.NewGuid():N}}"}""";
        await redis.GetDatabase().StreamAddAsync("aspireauth:events",
        [
            new("event_id", eventId.ToString()),
            new("type", "auth.anonymous-account-linked"),
            new("version", 1),
            new("payload", payload),
            new("occurred_at", occurredAt),
            new("outbox_sequence", 0),
        ]);
        await redis.GetSubscriber().PublishAsync(RedisChannel.Literal("aspireauth:events:nudge"), eventId.ToString());
    }
}
