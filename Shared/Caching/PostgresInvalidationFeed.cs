using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace AspireAuth.Shared.Caching;

/// <summary>
/// An <see cref="InvalidationFeed"/> on a PostgreSQL NOTIFY channel of <typeparamref name="TContext"/>'s
/// database. Triggers notify the changed key inside the changing transaction, so a message exists
/// exactly when its change committed.
/// </summary>
/// <remarks>
/// The catch-up round trip is a query on the listening connection itself (<c>SELECT 1</c>). A committing
/// transaction signals every listener before its client learns of the commit, and a listening
/// backend sends the notifications it was signalled for before the result of its next query; Npgsql
/// raises them, in order, while it reads that result. So when the query returns, every change
/// committed before it was sent has been applied — without a write, a transaction id or a WAL
/// record per sync, which notifying a marker would cost.
/// </remarks>
public sealed class PostgresInvalidationFeed<TContext>(
    string channel,
    IServiceScopeFactory scopes,
    TimeSpan syncTimeout,
    TimeProvider time,
    ILogger<PostgresInvalidationFeed<TContext>> logger)
    : InvalidationFeed(channel, syncTimeout, time, logger), IHostedService, IDisposable where TContext : DbContext
{
    private const int RoundTripTimeoutSeconds = 5;

    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _connectionInUse = new(1, 1);
    private string? _connectionString;
    private NpgsqlConnection? _listening;
    private Task? _idleSyncing;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using (var scope = scopes.CreateAsyncScope())
        {
            _connectionString = scope.ServiceProvider.GetRequiredService<TContext>().Database.GetConnectionString();
        }

        _idleSyncing = SyncWhileIdleAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_idleSyncing is not null)
        {
            await _idleSyncing.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Dispose()
    {
        _listening?.Dispose();
        _connectionInUse.Dispose();
        _stopping.Dispose();
    }

    protected override async Task CatchUpAsync()
    {
        // One command at a time on the listening connection, even when a round trip that timed out is still running.
        await _connectionInUse.WaitAsync();
        try
        {
            _listening ??= await ListenAsync();
            await using var roundTrip = new NpgsqlCommand("SELECT 1", _listening) { CommandTimeout = RoundTripTimeoutSeconds };
            await roundTrip.ExecuteNonQueryAsync();
        }
        catch
        {
            // Notifications may have been lost with the connection; the base class empties the cache.
            var broken = _listening;
            _listening = null;
            if (broken is not null)
            {
                await broken.DisposeAsync();
            }

            throw;
        }
        finally
        {
            _connectionInUse.Release();
        }
    }

    private async Task<NpgsqlConnection> ListenAsync()
    {
        var connection = new NpgsqlConnection(_connectionString);
        try
        {
            await connection.OpenAsync();
            connection.Notification += (_, args) => OnMessage(args.Payload);
            await using var listen = new NpgsqlCommand($"LISTEN \"{Name}\"", connection);
            await listen.ExecuteNonQueryAsync();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
