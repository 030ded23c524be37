using System.Net.Sockets;
using System.Text.Json;
using AspireAuth.ServiceDefaults.Hosting;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using StackExchange.Redis;

namespace AspireAuth.UnitTests.Hosting;

public sealed class InfrastructureFailureTests
{
    public static TheoryData<string, Exception> Outages => new()
    {
        { "Redis unreachable", new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, "No connection is active", null, CommandStatus.Unknown) },
        { "Redis too slow", new RedisTimeoutException(CommandFlags.None, "Timeout performing XREADGROUP", CommandStatus.Sent) },
        { "Redis loading its data", new RedisServerException(RedisErrorKind.Loading, CommandFlags.None, "LOADING Redis is loading the dataset in memory") },
        { "PostgreSQL refuses connections", new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused)) },
        { "PostgreSQL shutting down", new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01") },
        // What EF Core throws when a command fails on a broken connection, retries off or not.
        { "EF Core wrapping a transient failure", new InvalidOperationException(
            "An exception has been raised that is likely due to a transient failure.", new NpgsqlException("Exception while reading from stream", new TimeoutException())) },
        { "EF Core update on a lost connection", new DbUpdateException("An error occurred while saving the entity changes.", new NpgsqlException("Exception while writing", new IOException("Broken pipe"))) },
        { "one of several", new AggregateException(new InvalidOperationException("other"), new RedisConnectionException(ConnectionFailureType.SocketClosed, CommandFlags.None, "closed", null, CommandStatus.Unknown)) },
    };

    public static TheoryData<string, Exception> NotOutages => new()
    {
        { "a plain InvalidOperationException", new InvalidOperationException("Sequence contains no elements") },
        { "a unique violation", new PostgresException("duplicate key value", "ERROR", "ERROR", "23505") },
        { "EF Core wrapping a constraint violation", new DbUpdateException("An error occurred", new PostgresException("violates check constraint", "ERROR", "ERROR", "23514")) },
        { "a Redis command error", new RedisServerException(RedisErrorKind.WrongType, CommandFlags.None, "WRONGTYPE Operation against a key holding the wrong kind of value") },
        { "an unreadable payload", new JsonException("'x' is an invalid start of a value") },
    };

    [Theory]
    [MemberData(nameof(Outages))]
    public void Outages_of_redis_or_postgres_are_recognised(string what, Exception exception) =>
        Assert.True(InfrastructureFailure.IsUnavailable(exception), what);

    [Theory]
    [MemberData(nameof(NotOutages))]
    public void Failures_of_the_work_itself_are_not_outages(string what, Exception exception) =>
        Assert.False(InfrastructureFailure.IsUnavailable(exception), what);
}
