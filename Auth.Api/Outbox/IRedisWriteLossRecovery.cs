namespace AspireAuth.Auth.Api.Outbox;

/// <summary>
/// Redoes what Redis may have forgotten when it lost acknowledged writes (a crash inside its fsync
/// window, a restore from an older copy, a wiped volume). The outbox relay calls every registered
/// recovery when it finds the event stream ending before the last entry it published.
/// </summary>
public interface IRedisWriteLossRecovery
{
    /// <param name="lostSince">Redis's clock at the last write it still has: anything after it may be gone.</param>
    Task RecoverAsync(DateTimeOffset lostSince, CancellationToken cancellationToken);
}
