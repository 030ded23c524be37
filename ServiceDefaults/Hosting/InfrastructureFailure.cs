using System.Net.Sockets;
using Npgsql;
using StackExchange.Redis;

namespace AspireAuth.ServiceDefaults.Hosting;

/// <summary>
/// Tells an outage of Redis or PostgreSQL apart from a failure of the work itself: an outage says nothing about the
/// message or row being processed, so it must never count towards giving up on it.
/// </summary>
public static class InfrastructureFailure
{
    /// <summary>
    /// True when <paramref name="exception"/>, or any exception it wraps, says Redis or PostgreSQL could not be reached
    /// or answered in time. EF Core wraps such failures in an <see cref="InvalidOperationException"/> ("likely due to a
    /// transient failure"), so the whole chain is searched; an <see cref="InvalidOperationException"/> of its own is not one.
    /// </summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is AggregateException aggregate)
            {
                return aggregate.InnerExceptions.Any(IsUnavailable);
            }

            // A socket error or timeout means an outage when a client library reports it as the cause; thrown on
            // its own, it is the code's own (a lock, a deadline of ours), not Redis's or PostgreSQL's.
            if (IsUnavailableItself(current) || (current != exception && current is SocketException or TimeoutException))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsUnavailableItself(Exception exception) => exception switch
    {
        RedisConnectionException or RedisTimeoutException => true,
        // e.g. LOADING while Redis reads its append-only file back after a restart.
        RedisServerException server => server.Kind is RedisErrorKind.Loading or RedisErrorKind.MasterDown or RedisErrorKind.TryAgain
            or RedisErrorKind.ClusterDown or RedisErrorKind.MaxClients or RedisErrorKind.Busy,
        // IsTransient covers connection failures (socket, I/O, timeout, pool exhausted) and PostgreSQL's own
        // shutdown/start-up/too-many-connections states; a constraint violation or a bad statement is not transient.
        NpgsqlException npgsql => npgsql.IsTransient,
        _ => false,
    };
}
