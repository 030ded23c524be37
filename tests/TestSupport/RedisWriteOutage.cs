using StackExchange.Redis;

namespace AspireAuth.TestSupport;

/// <summary>
/// A real Redis failure on demand: while it lives, Redis refuses every write (<c>NOREPLICAS</c>,
/// as when it lost its replicas) but still answers reads, so a request fails exactly at its
/// first write to Redis — after whatever it committed to PostgreSQL before that.
/// </summary>
public sealed class RedisWriteOutage : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _admin;

    private RedisWriteOutage(ConnectionMultiplexer admin) => _admin = admin;

    public static async Task<RedisWriteOutage> StartAsync(RealInfrastructure infrastructure)
    {
        var admin = await ConnectionMultiplexer.ConnectAsync(infrastructure.ConnectionStrings["redis"] + ",allowAdmin=true");
        await Server(admin).ConfigSetAsync("min-replicas-to-write", "1");
        return new RedisWriteOutage(admin);
    }

    public async ValueTask DisposeAsync()
    {
        await Server(_admin).ConfigSetAsync("min-replicas-to-write", "0");
        await _admin.DisposeAsync();
    }

    private static IServer Server(ConnectionMultiplexer admin) => admin.GetServer(admin.GetEndPoints().Single());
}
