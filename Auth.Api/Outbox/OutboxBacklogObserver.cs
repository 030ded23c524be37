using System.Diagnostics.Metrics;
using AspireAuth.Auth.Api.Data;
using AspireAuth.EventBus;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace AspireAuth.Auth.Api.Outbox;

/// <summary>
/// Watches the outbox from the outside: how many rows wait to be published and how old the oldest is, read from
/// PostgreSQL by the gauges and the pipeline health check, never by the relay, so a relay that cannot publish (Redis
/// down, the loop stuck) shows its backlog growing.
/// </summary>
internal sealed class OutboxBacklogObserver : IHostedService
{
    public const string CheckName = "outbox-backlog";

    private readonly PipelineHealthOptions _options;
    private readonly TimeProvider _time;
    private readonly CachedReading<OutboxBacklog> _backlog;

    public OutboxBacklogObserver(IServiceScopeFactory scopes, IOptions<PipelineHealthOptions> options, IMeterFactory meters, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        _backlog = new CachedReading<OutboxBacklog>(async cancellationToken =>
        {
            await using var scope = scopes.CreateAsyncScope();
            var unpublished = scope.ServiceProvider.GetRequiredService<AuthDbContext>().OutboxMessages.Where(m => m.PublishedAt == null);
            var oldest = await unpublished.OrderBy(m => m.Sequence).Select(m => (DateTime?)m.OccurredAt).FirstOrDefaultAsync(cancellationToken);
            return new OutboxBacklog(oldest is null ? 0 : await unpublished.LongCountAsync(cancellationToken), oldest);
        }, _options.ReadEvery, _options.ReadTimeout, time);

        var meter = meters.Create(AspireAuthTelemetry.MeterName);
        meter.CreateObservableGauge("aspireauth.outbox.unpublished", () => Measure(backlog => backlog.Count),
            "{event}", "Outbox rows not yet published to the event stream");
        meter.CreateObservableGauge("aspireauth.outbox.oldest_unpublished.age", () => Measure(AgeSeconds),
            "s", "Age of the oldest outbox row not yet published (0 when there is none)");
    }

    /// <summary>Degraded while the oldest unpublished row is older than <see cref="PipelineHealthOptions.MaxUnpublishedAge"/>.</summary>
    public async Task<HealthCheckResult> CheckAsync()
    {
        var reading = await _backlog.GetAsync();
        if (reading.Value is not { } backlog)
        {
            return HealthCheckResult.Degraded($"The outbox cannot be read: {reading.Error?.Message}", reading.Error);
        }

        var description = $"{backlog.Count} unpublished, the oldest {AgeSeconds(backlog):0} s old";
        return TimeSpan.FromSeconds(AgeSeconds(backlog)) > _options.MaxUnpublishedAge
            ? HealthCheckResult.Degraded($"{description} (limit {_options.MaxUnpublishedAge.TotalSeconds:0.###} s)")
            : HealthCheckResult.Healthy(description);
    }

    // Created at start, so that its gauges exist before any health check asks for it.
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private double AgeSeconds(OutboxBacklog backlog) =>
        backlog.OldestOccurredAt is { } oldest ? Math.Max(0, (_time.GetUtcNow().UtcDateTime - oldest).TotalSeconds) : 0;

    /// <summary>Nothing while the backlog is unknown (not read yet, or PostgreSQL unavailable) rather than a stale or made-up number.</summary>
    private IEnumerable<Measurement<T>> Measure<T>(Func<OutboxBacklog, T> select)
        where T : struct =>
        _backlog.Peek() is { } backlog ? [new Measurement<T>(select(backlog))] : [];
}

internal sealed record OutboxBacklog(long Count, DateTime? OldestOccurredAt);
