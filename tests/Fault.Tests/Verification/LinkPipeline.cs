using StackExchange.Redis;

namespace AspireAuth.Fault.Tests.Verification;

/// <summary>
/// The link events' way from Auth.Api's outbox to Cart.Api: idle when no outbox row waits to be published and
/// Cart.Api's consumer group has read and acknowledged every stream entry.
/// </summary>
internal sealed class LinkPipeline(DistributedApplication app)
{
    public const string DeadLetterStream = "aspireauth:events:dead-letter";

    private const string EventStream = "aspireauth:events";
    private const string CartConsumerGroup = "cart-api";

    public async Task<bool> IsIdleAsync()
    {
        // Unpooled: a pooled connection may predate one of the run's PostgreSQL kills.
        var unpublished = await Sql.ScalarAsync<long>(await ConnectionStringAsync("authdb") + ";Pooling=false",
            "SELECT count(*) FROM outbox_message WHERE published_at IS NULL");
        if (unpublished > 0)
        {
            return false;
        }

        await using var redis = await ConnectRedisAsync();
        var groups = await redis.GetDatabase().StreamGroupInfoAsync(EventStream);
        return groups.SingleOrDefault(group => group.Name == CartConsumerGroup) is { PendingMessageCount: 0, Lag: 0 };
    }

    /// <summary>How many entries the dead-letter stream holds, and the first few, with their errors.</summary>
    public async Task<(long Count, IReadOnlyList<string> Samples)> DeadLettersAsync()
    {
        await using var redis = await ConnectRedisAsync();
        var db = redis.GetDatabase();
        var entries = await db.StreamRangeAsync(DeadLetterStream, count: 5);
        return (await db.StreamLengthAsync(DeadLetterStream),
            [.. entries.Select(entry => string.Join(", ", entry.Values.Select(field => $"{field.Name}={field.Value}")))]);
    }

    private async Task<ConnectionMultiplexer> ConnectRedisAsync() => await ConnectionMultiplexer.ConnectAsync(await ConnectionStringAsync("redis"));

    private async Task<string> ConnectionStringAsync(string resource) =>
        await app.GetConnectionStringAsync(resource) ?? throw new InvalidOperationException($"No connection string for {resource}.");
}
