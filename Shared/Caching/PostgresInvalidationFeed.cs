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
/// The catch-up round trip is a query on the listening connection itself (<c>SELECT 1</c>, prepared). A committing
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
    private NpgsqlCommand? _roundTrip;
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
        _roundTrip?.Connection?.Dispose();
        _roundTrip?.Dispose();
        _connectionInUse.Dispose();
        _stopping.Dispose();
    }

    protected override async Task CatchUpAsync()
    {
        // One command at a time on the listening connection, even when a round trip that timed out is still running.
        await _connectionInUse.WaitAsync();
        try
        {
            _roundTrip ??= await ListenAsync();
            await _roundTrip.ExecuteNonQueryAsync();
        }
        catch
        {
            // Notifications may have been lost with the connection; the base class empties the cache.
            var broken = _roundTrip;
            _roundTrip = null;
            if (broken is not null)
            {
                await broken.Connection!.DisposeAsync();
                await broken.DisposeAsync();
            }

            throw;
        }
        finally
        {
            _connectionInUse.Release();
        }
    }

    /// <summary>Opens a connection of its own (not pooled), listens on it, and prepares the round trip's query there.</summary>
    private async Task<NpgsqlCommand> ListenAsync()
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false }.ConnectionString);
        try
        {
            await connection.OpenAsync();
            connection.Notification += (_, args) => OnMessage(args.Payload);
            await using (var listen = new NpgsqlCommand($"LISTEN \"{Name}\"", connection))
            {
                await listen.ExecuteNonQueryAsync();
            }

            var roundTrip = new NpgsqlCommand("SELECT 1", connection) { CommandTimeout = RoundTripTimeoutSeconds };
            await roundTrip.PrepareAsync();
            return roundTrip;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
