using AspireAuth.Auth.Api.BetterAuth;
using AspireAuth.Auth.Api.Data;
using AspireAuth.Auth.Api.Outbox;
using AspireAuth.ServiceDefaults.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AspireAuth.Auth.Api.Anonymous;

/// <summary>
/// The durable half of "a linked guest's sessions end": a link revokes them right after it commits,
/// and this job revokes them once more from the link's row, marking it done only after Redis
/// accepted — so a revocation that failed, or never ran because the process died, still happens.
/// Revoking is idempotent, so doing it twice costs nothing but a script call.
/// </summary>
internal sealed class GuestSessionRevocation(
    IServiceScopeFactory scopes, IOptions<AnonymousOptions> options, ResilientLoops loops, TimeProvider time)
    : BackgroundService, IRedisWriteLossRecovery
{
    private const int BatchSize = 200;

    // Redis stamps stream ids with its own clock, links carry Auth.Api's: allow for the two to differ.
    private static readonly TimeSpan ClockSkewAllowance = TimeSpan.FromSeconds(5);

    /// <summary>A Redis that lost writes may have lost revocations too: every link since then is revoked again.</summary>
    public async Task RecoverAsync(DateTimeOffset lostSince, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var since = lostSince.UtcDateTime - ClockSkewAllowance;
        await db.AnonymousLinks()
            .Where(l => l.LinkedAt >= since && l.GuestSessionsRevokedAt != null)
            .ExecuteUpdateAsync(update => update.SetProperty(l => l.GuestSessionsRevokedAt, (DateTime?)null), cancellationToken);
    }

    // A failed pass leaves its rows unmarked, so the retry after the backoff takes them again.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        loops.RunEveryAsync("guest-session-revocation", options.Value.GuestRevocationInterval, async cancellationToken =>
        {
            while (await RunOnceAsync(cancellationToken) == BatchSize)
            {
            }
        }, stoppingToken);

    /// <summary>Revokes the sessions of one batch of linked guests not yet marked revoked; returns how many.</summary>
    internal async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var sessions = scope.ServiceProvider.GetRequiredService<SessionStore>();

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var guests = await db.AnonymousLinks()
            .FromSql($"""
                SELECT * FROM anonymous_link
                WHERE guest_sessions_revoked_at IS NULL
                ORDER BY linked_at
                LIMIT {BatchSize}
                FOR UPDATE SKIP LOCKED
                """)
            .Select(l => l.AnonymousUserId)
            .ToListAsync(cancellationToken);
        if (guests.Count == 0)
        {
            return 0;
        }

        using var work = AspireAuthTelemetry.StartBackgroundWork("guest session revocation");
        work?.SetTag("aspireauth.guests", guests.Count);
        await Task.WhenAll(guests.Select(sessions.RevokeAllAsync));
        var now = time.TruncatedNow();
        await db.AnonymousLinks()
            .Where(l => guests.Contains(l.AnonymousUserId))
            .ExecuteUpdateAsync(update => update.SetProperty(l => l.GuestSessionsRevokedAt, now), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return guests.Count;
    }
}
