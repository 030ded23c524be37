using AspireAuth.ServiceDefaults.Tracing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace AspireAuth.ServiceDefaults.Data;

public static class RedisClientExtensions
{
    /// <summary>How often Redis commands become trace spans.</summary>
    private static readonly TimeSpan RedisSpanFlushInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Registers the Redis client of <paramref name="connectionName"/> (Aspire's: health check, metrics, traces).</summary>
    public static IHostApplicationBuilder AddServiceRedisClient(this IHostApplicationBuilder builder, string connectionName)
    {
        // Redis spans are made from StackExchange.Redis profiling sessions, which the tracing keeps, each
        // with its request's activity, until it drains them: every 10 s by default, which Aspire's copy
        // of the instrumentation cannot change. At thousands of requests a second that carries tens of
        // thousands of activities into gen2, and a full GC with ≈ 150 ms of pauses follows every few
        // seconds. Drained every 100 ms, they die young; the spans are the same.
        builder.AddRedisClient(connectionName, settings => settings.DisableTracing = true);
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddRedisInstrumentation(options =>
        {
            options.FlushInterval = RedisSpanFlushInterval;

            // The sampler's rule (UnitOfWorkSampler), applied here too: a command is a span only inside recorded work.
            // It spares creating, then dropping, a span for each command outside it, such as the invalidation feeds'
            // syncs (thousands a second under load), the loops' polls and the client's heartbeats.
            options.Filter = command => command.ParentActivity is { } parent && UnitOfWorkSampler.IsInsideRecordedWork(parent.Context);
        }));
        return builder;
    }
}
