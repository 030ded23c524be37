using System.Diagnostics;
using AspireAuth.Auth.Api.BetterAuth;
using AspireAuth.Auth.Api.Data;
using AspireAuth.ServiceDefaults.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AspireAuth.Auth.Api.Anonymous;

/// <summary>
/// Deletes anonymous users older than <see cref="AnonymousOptions.StaleUserAge"/> that have no
/// live session, in batches, each deletion announced by <c>AnonymousUserDeleted</c>. Replicas
/// share the work: each batch locks its rows with <c>FOR UPDATE SKIP LOCKED</c>.
/// </summary>
internal sealed class StaleAnonymousUserCleanup(
    IServiceScopeFactory scopes, IOptions<AnonymousOptions> options, ResilientLoops loops, TimeProvider time, ILogger<StaleAnonymousUserCleanup> logger)
    : BackgroundService
{
    // A failed pass is retried after a backoff; nothing was half-done because each batch is one transaction.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        loops.RunEveryAsync("stale-anonymous-user-cleanup", options.Value.CleanupInterval, async cancellationToken =>
        {
            var deleted = await RunOnceAsync(cancellationToken);
            if (deleted > 0)
            {
                logger.LogInformation("Deleted {Count} stale anonymous user(s)", deleted);
            }
        }, stoppingToken);

    /// <summary>One pass over every stale anonymous user; returns how many were deleted.</summary>
    internal async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.TruncatedNow() - options.Value.StaleUserAge;
        var batchSize = options.Value.CleanupBatchSize;
        var cursor = (CreatedAt: DateTime.MinValue, Id: "");
        var deleted = 0;

        // Started at the first batch that holds a candidate: a pass that finds none is no trace.
        Activity? work = null;
        try
        {
            while (true)
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
                var sessions = scope.ServiceProvider.GetRequiredService<SessionStore>();

                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                var batch = await db.Users
                    .FromSql($"""
                        SELECT * FROM "user"
                        WHERE "isAnonymous" AND "createdAt" < {cutoff} AND ("createdAt", id) > ({cursor.CreatedAt}, {cursor.Id})
                        ORDER BY "createdAt", id
                        LIMIT {batchSize}
                        FOR UPDATE SKIP LOCKED
                        """)
                    .AsNoTracking()
                    .Select(u => new { u.Id, u.CreatedAt })
                    .ToListAsync(cancellationToken);

                if (batch.Count > 0)
                {
                    work ??= AspireAuthTelemetry.StartBackgroundWork("stale guest cleanup");
                }

                foreach (var candidate in batch)
                {
                    if (!await sessions.HasLiveSessionAsync(candidate.Id)
                        && await db.DeleteWithEventAsync(candidate.Id, time.TruncatedNow(), cancellationToken))
                    {
                        deleted++;
                    }
                }

                await transaction.CommitAsync(cancellationToken);
                if (batch.Count < batchSize)
                {
                    work?.SetTag("aspireauth.guests.deleted", deleted);
                    return deleted;
                }

                cursor = (batch[^1].CreatedAt, batch[^1].Id);
            }
        }
        finally
        {
            work?.Dispose();
        }
    }
}
