namespace AspireAuth.Caching;

/// <summary>
/// One sync with the invalidation feed per request, shared by every coherent read the request
/// makes: a request that authenticates by its session and then reads its cart waits for one round
/// trip, not two. It starts with the request's first read, so it covers every change finished
/// before the request arrived. A read that must see a change this request made syncs afresh
/// (<see cref="Renew"/>).
/// </summary>
public sealed class RequestSync(InvalidationFeed feed)
{
    private Task<bool>? _synced;

    public Task<bool> SyncAsync() => _synced ??= feed.SyncAsync();

    /// <summary>Called once this request has changed something: its next read syncs afresh, so it sees the change.</summary>
    public void Renew() => _synced = null;
}
