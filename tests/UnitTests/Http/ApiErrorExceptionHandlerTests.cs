using System.Net.Sockets;
using System.Text.Json;
using AspireAuth.ServiceDefaults.ApiErrors;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using StackExchange.Redis;

namespace AspireAuth.UnitTests.Http;

/// <summary>What a client sees when an endpoint throws: 503 + Retry-After when the data stores are unreachable, else a bare 500.</summary>
public sealed class ApiErrorExceptionHandlerTests
{
    private static readonly NpgsqlException ConnectionRefused =
        new("Failed to connect to 127.0.0.1:5432", new SocketException((int)SocketError.ConnectionRefused));

    public static TheoryData<string, Exception> Unavailable => new()
    {
        { "Redis unreachable", new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, "No connection is available", null, CommandStatus.WaitingToBeSent) },
        { "Redis too slow", new RedisTimeoutException(CommandFlags.None, "Timeout awaiting response", CommandStatus.Sent) },
        { "Redis loading its data", new RedisServerException(RedisErrorKind.Loading, CommandFlags.None, "LOADING Redis is loading the dataset in memory") },
        { "PostgreSQL unreachable", ConnectionRefused },
        { "PostgreSQL shutting down", new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", PostgresErrorCodes.AdminShutdown) },
        { "EF Core's transient-failure wrapper", new InvalidOperationException("An exception has been raised that is likely due to a transient failure.", ConnectionRefused) },
        { "EF Core's save failure over a dead connection", new DbUpdateException("An error occurred while saving the entity changes.", ConnectionRefused) },
        { "a pool timeout", new InvalidOperationException("wrapped", new NpgsqlException("The connection pool has been exhausted", new TimeoutException())) },
    };

    public static TheoryData<string, Exception> Bugs => new()
    {
        { "an invalid operation", new InvalidOperationException("Sequence contains no elements") },
        { "a constraint violation", new DbUpdateException("save failed", new PostgresException("duplicate key", "ERROR", "ERROR", PostgresErrorCodes.UniqueViolation)) },
        { "a statement PostgreSQL refuses", new PostgresException("injected failure", "ERROR", "ERROR", PostgresErrorCodes.RaiseException) },
        { "a timeout of our own", new TimeoutException("a lock was not released") },
        { "a bad cast", new InvalidCastException("Unable to cast object of type 'SessionWithUser'") },
        { "a Redis script error", new RedisServerException(RedisErrorKind.UnknownError, CommandFlags.None, "ERR Error running script") },
    };

    [Theory]
    [MemberData(nameof(Unavailable))]
    public async Task Unreachable_data_stores_are_a_503_with_Retry_After(string what, Exception exception)
    {
        var (status, retryAfter, error, body) = await HandleAsync(exception);

        Assert.True(status == StatusCodes.Status503ServiceUnavailable, $"{what}: {status}");
        Assert.InRange(int.Parse(retryAfter!, System.Globalization.CultureInfo.InvariantCulture), 1, 5);
        Assert.Equal("SERVICE_UNAVAILABLE", error.Code);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Bugs))]
    public async Task Anything_else_is_a_500_that_names_nothing(string what, Exception exception)
    {
        var (status, retryAfter, error, body) = await HandleAsync(exception);

        Assert.True(status == StatusCodes.Status500InternalServerError, $"{what}: {status}");
        Assert.Null(retryAfter);
        Assert.Equal(new ApiError("Internal server error", "INTERNAL_SERVER_ERROR"), error);
        Assert.DoesNotContain("Exception", body, StringComparison.Ordinal);
        Assert.DoesNotContain(exception.Message, body, StringComparison.Ordinal);
    }

    private static async Task<(int Status, string? RetryAfter, ApiError Error, string Body)> HandleAsync(Exception exception)
    {
        var context = new DefaultHttpContext();
        context.Request.Path = "/api/cart";
        using var body = new MemoryStream();
        context.Response.Body = body;

        var handled = await new ApiErrorExceptionHandler(NullLogger<ApiErrorExceptionHandler>.Instance)
            .TryHandleAsync(context, exception, CancellationToken.None);

        Assert.True(handled);
        var json = System.Text.Encoding.UTF8.GetString(body.ToArray());
        var error = JsonSerializer.Deserialize(json, ApiErrorJsonContext.Default.ApiError)!;
        var retryAfter = context.Response.Headers.RetryAfter.Count == 0 ? null : context.Response.Headers.RetryAfter.ToString();
        return (context.Response.StatusCode, retryAfter, error, json);
    }
}
