using AspireAuth.Caching;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AspireAuth.UnitTests.Caching;

public sealed class CoherentCacheTests
{
    private const string Keyspace = "t";

    private static readonly TimeSpan LeaseExpiry = TimeSpan.FromSeconds(15);

    private readonly FakeTimeProvider _time = new();
    private readonly ManualFeed _feed;
    private readonly Source _source = new();

    public CoherentCacheTests() => _feed = new ManualFeed(TimeSpan.FromSeconds(30), _time);

    [Fact]
    public async Task Until_a_round_trip_has_succeeded_every_read_goes_to_the_source()
    {
        var cache = new CoherentCache<string>(_feed, Keyspace, capacity: 10);
        _source.Values["a"] = "a1";

        Assert.Equal("a1", await cache.GetAsync("a", _source.LoadAsync));
        Assert.Equal("a1", await cache.GetAsync("a", _source.LoadAsync));

        Assert.Equal(2, _source.Loads);
        Assert.Equal(0, cache.Count);
        Assert.Equal(1, _feed.RoundTripsStarted);
    }

    [Fact]
    public async Task In_sync_a_value_is_loaded_once_and_then_served_from_the_cache()
    {
        var cache = await InSyncCacheAsync();
        _source.Values["a"] = "a1";

        Assert.Equal("a1", await ReadAsync(cache, "a"));
        Assert.Equal("a1", await ReadAsync(cache, "a"));

        Assert.Equal(1, _source.Loads);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public async Task A_read_sees_every_change_whose_invalidation_came_before_its_round_trip_ended()
    {
        var cache = await InSyncCacheAsync();
        _source.Values["a"] = "a1";
        Assert.Equal("a1", await ReadAsync(cache, "a"));

        _source.Values["a"] = "a2";
        var read = cache.GetAsync("a", _source.LoadAsync).AsTask();
        Assert.False(read.IsCompleted, "a read must wait for a round trip started after it began");

        _feed.Deliver("t:a");
        _feed.AnswerRoundTrip();

        Assert.Equal("a2", await read.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_value_whose_key_was_invalidated_while_it_loaded_is_returned_but_not_kept()
    {
        var cache = await InSyncCacheAsync();
        var loadStarted = new TaskCompletionSource();
        var finishLoad = new TaskCompletionSource<string?>();

        var read = cache.GetAsync("a", _ =>
        {
            loadStarted.SetResult();
            return finishLoad.Task;
        }).AsTask();
        _feed.AnswerRoundTrip();
        await loadStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));

        _feed.Deliver("t:a");
        finishLoad.SetResult("a-before-the-change");

        Assert.Equal("a-before-the-change", await read.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task Reads_that_arrive_while_a_round_trip_is_out_share_the_next_one()
    {
        var cache = await InSyncCacheAsync();
        _source.Values["a"] = "a1";
        var roundTripsBefore = _feed.RoundTripsStarted;

        var first = cache.GetAsync("a", _source.LoadAsync).AsTask();
        var others = Enumerable.Range(0, 5).Select(_ => cache.GetAsync("a", _source.LoadAsync).AsTask()).ToList();
        Assert.Equal(roundTripsBefore + 1, _feed.RoundTripsStarted);

        _feed.AnswerRoundTrip();
        Assert.Equal("a1", await first.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(roundTripsBefore + 2, _feed.RoundTripsStarted);
        Assert.All(others, read => Assert.False(read.IsCompleted));

        _feed.AnswerRoundTrip();
        Assert.All(await Task.WhenAll(others).WaitAsync(TimeSpan.FromSeconds(10)), value => Assert.Equal("a1", value));
        Assert.Equal(roundTripsBefore + 2, _feed.RoundTripsStarted);
    }

    [Fact]
    public async Task A_lost_connection_empties_the_cache_and_reads_go_to_the_source_until_a_round_trip_succeeds()
    {
        var cache = await InSyncCacheAsync();
        _source.Values["a"] = "a1";
        Assert.Equal("a1", await ReadAsync(cache, "a"));

        _feed.LoseConnection();
        _source.Values["a"] = "a2";

        Assert.Equal(0, cache.Count);
        Assert.Equal("a2", await cache.GetAsync("a", _source.LoadAsync));
        Assert.Equal(0, cache.Count);

        _feed.AnswerRoundTrip();
        Assert.Equal("a2", await ReadAsync(cache, "a"));
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public async Task A_round_trip_that_does_not_end_in_time_empties_the_cache_and_the_read_goes_to_the_source()
    {
        var feed = new ManualFeed(TimeSpan.FromMilliseconds(100), TimeProvider.System);
        var cache = new CoherentCache<string>(feed, Keyspace, capacity: 10);
        await feed.SyncAsync();
        feed.AnswerRoundTrip();
        _source.Values["a"] = "a1";
        var firstRead = cache.GetAsync("a", _source.LoadAsync).AsTask();
        feed.AnswerRoundTrip();
        Assert.Equal("a1", await firstRead.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, cache.Count);

        _source.Values["a"] = "a2";
        var unanswered = cache.GetAsync("a", _source.LoadAsync).AsTask();

        Assert.Equal("a2", await unanswered.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task Everything_changed_empties_the_cache()
    {
        var cache = await InSyncCacheAsync();
        _source.Values["a"] = "a1";
        _source.Values["b"] = "b1";
        await ReadAsync(cache, "a");
        await ReadAsync(cache, "b");

        _feed.Deliver(InvalidationMessages.EverythingChanged);

        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task A_full_cache_makes_room_instead_of_growing()
    {
        var cache = await InSyncCacheAsync(capacity: 16);
        for (var i = 0; i < 100; i++)
        {
            _source.Values[$"k{i}"] = $"v{i}";
            Assert.Equal($"v{i}", await ReadAsync(cache, $"k{i}"));
        }

        Assert.InRange(cache.Count, 1, 16);
    }

    [Fact]
    public async Task Messages_of_another_keyspace_leave_the_cache_alone_and_a_keyspace_wide_change_empties_it()
    {
        var cache = await InSyncCacheAsync();
        var other = new CoherentCache<string>(_feed, "other", capacity: 10);
        _source.Values["a"] = "a1";
        await ReadAsync(cache, "a");
        await ReadAsync(other, "a");

        _feed.Deliver("other:a");
        _feed.Deliver("+other:a");
        _feed.Deliver("t-like:a");
        Assert.Equal(1, cache.Count);

        _feed.Deliver(InvalidationMessages.EverythingChangedIn(Keyspace));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task A_key_whose_change_is_under_way_is_read_from_the_source_until_the_change_is_done()
    {
        var cache = await InSyncLeasedCacheAsync();
        _source.Values["a"] = "a1";
        Assert.Equal("a1", await ReadAsync(cache, "a"));

        _feed.Deliver("+t:a");
        Assert.Equal(0, cache.Count);
        var loadsBefore = _source.Loads;
        Assert.Equal("a1", await ReadAsync(cache, "a"));
        _source.Values["a"] = "a2"; // the change commits
        Assert.Equal("a2", await ReadAsync(cache, "a"));
        Assert.Equal(loadsBefore + 2, _source.Loads);
        Assert.Equal(0, cache.Count);

        _feed.Deliver("-t:a");
        Assert.Equal("a2", await ReadAsync(cache, "a"));
        Assert.Equal("a2", await ReadAsync(cache, "a"));
        Assert.Equal(loadsBefore + 3, _source.Loads);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public async Task A_key_stays_held_until_every_change_under_way_is_done()
    {
        var cache = await InSyncLeasedCacheAsync();
        _source.Values["a"] = "a1";
        _feed.Deliver("+t:a");
        _feed.Deliver("+t:a");

        _feed.Deliver("-t:a");
        await ReadAsync(cache, "a");
        Assert.Equal(0, cache.Count);

        _feed.Deliver("-t:a");
        await ReadAsync(cache, "a");
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public async Task A_hold_whose_change_is_never_announced_done_ends_when_its_lease_has_expired()
    {
        var cache = await InSyncLeasedCacheAsync();
        _source.Values["a"] = "a1";
        _feed.Deliver("+t:a");

        _time.Advance(LeaseExpiry - TimeSpan.FromSeconds(1));
        await ReadAsync(cache, "a");
        Assert.Equal(0, cache.Count);

        _time.Advance(TimeSpan.FromSeconds(1));
        await ReadAsync(cache, "a"); // the first read after the expiry ends the hold...
        Assert.Equal("a1", await ReadAsync(cache, "a")); // ...and the next one keeps what it loads
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public async Task With_change_leases_nothing_is_kept_until_the_feed_has_been_in_sync_for_a_whole_lease()
    {
        // A change announced while the feed was not listening may still commit within its lease.
        var cache = new CoherentCache<string>(_feed, Keyspace, capacity: 10, LeaseExpiry);
        await _feed.SyncAsync();
        _feed.AnswerRoundTrip();
        _source.Values["a"] = "a1";

        await ReadAsync(cache, "a");
        _time.Advance(LeaseExpiry - TimeSpan.FromSeconds(1));
        await ReadAsync(cache, "a");
        Assert.Equal(0, cache.Count);

        _time.Advance(TimeSpan.FromSeconds(1));
        await ReadAsync(cache, "a");
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public async Task A_request_sync_makes_one_round_trip_for_every_read_of_the_request()
    {
        var sessions = await InSyncCacheAsync();
        var carts = new CoherentCache<string>(_feed, "other", capacity: 10);
        _source.Values["a"] = "a1";
        var roundTripsBefore = _feed.RoundTripsStarted;
        var requestSync = new RequestSync(_feed);

        var session = sessions.GetAsync("a", _source.LoadAsync, requestSync.SyncAsync()).AsTask();
        _feed.AnswerRoundTrip();
        await session.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("a1", await carts.GetAsync("a", _source.LoadAsync, requestSync.SyncAsync()).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(roundTripsBefore + 1, _feed.RoundTripsStarted);
    }

    [Fact]
    public async Task A_request_that_changed_something_syncs_afresh_after_renewing_its_sync()
    {
        var cache = await InSyncCacheAsync();
        _source.Values["a"] = "a1";
        var requestSync = new RequestSync(_feed);
        var first = cache.GetAsync("a", _source.LoadAsync, requestSync.SyncAsync()).AsTask();
        _feed.AnswerRoundTrip();
        Assert.Equal("a1", await first.WaitAsync(TimeSpan.FromSeconds(10)));

        // The request changes "a"; its invalidation arrives only with the next round trip.
        _source.Values["a"] = "a2";
        requestSync.Renew();
        var afterChange = cache.GetAsync("a", _source.LoadAsync, requestSync.SyncAsync()).AsTask();
        Assert.False(afterChange.IsCompleted, "a read after the request's change must wait for a round trip of its own");
        _feed.Deliver("t:a");
        _feed.AnswerRoundTrip();

        Assert.Equal("a2", await afterChange.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_suspended_feed_empties_its_caches_and_vouches_for_nothing_until_resumed_and_synced()
    {
        var cache = await InSyncCacheAsync();
        _source.Values["a"] = "a1";
        await ReadAsync(cache, "a");
        Assert.Equal(1, cache.Count);

        _feed.Suspend();
        Assert.Equal(0, cache.Count);
        Assert.False(_feed.IsInSync);
        var whileSuspended = _feed.SyncAsync();
        _feed.AnswerRoundTrip(); // a round trip that succeeds while suspended does not count
        Assert.False(await whileSuspended);
        Assert.False(_feed.IsInSync);
        Assert.Equal("a1", await ReadAsync(cache, "a"));
        Assert.Equal(0, cache.Count);

        _feed.Resume();
        Assert.False(await _feed.SyncAsync());
        _feed.AnswerRoundTrip();
        Assert.True(_feed.IsInSync);
        await ReadAsync(cache, "a");
        Assert.Equal(1, cache.Count);
    }

    private async Task<CoherentCache<string>> InSyncLeasedCacheAsync()
    {
        var cache = new CoherentCache<string>(_feed, Keyspace, capacity: 10, LeaseExpiry);
        await _feed.SyncAsync();
        _feed.AnswerRoundTrip();
        _time.Advance(LeaseExpiry);
        return cache;
    }

    private async Task<CoherentCache<string>> InSyncCacheAsync(int capacity = 10)
    {
        var cache = new CoherentCache<string>(_feed, Keyspace, capacity);
        Assert.False(await _feed.SyncAsync());
        _feed.AnswerRoundTrip();
        return cache;
    }

    /// <summary>One read, with the feed answering its round trip at once.</summary>
    private async Task<string?> ReadAsync(CoherentCache<string> cache, string key)
    {
        var read = cache.GetAsync(key, _source.LoadAsync).AsTask();
        _feed.AnswerRoundTrip();
        return await read.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private sealed class Source
    {
        public Dictionary<string, string> Values { get; } = [];

        public int Loads { get; private set; }

        public Task<string?> LoadAsync(string key)
        {
            Loads++;
            return Task.FromResult(Values.GetValueOrDefault(key));
        }
    }

    private sealed class ManualFeed(TimeSpan syncTimeout, TimeProvider time)
        : InvalidationFeed("test", syncTimeout, time, NullLogger.Instance)
    {
        private readonly List<TaskCompletionSource> _roundTrips = [];

        public int RoundTripsStarted
        {
            get
            {
                lock (_roundTrips)
                {
                    return _roundTrips.Count;
                }
            }
        }

        public void Deliver(string message) => OnMessage(message);

        /// <summary>Ends the latest round trip: every message the source accepted before it has been delivered.</summary>
        public void AnswerRoundTrip()
        {
            TaskCompletionSource latest;
            lock (_roundTrips)
            {
                latest = _roundTrips[^1];
            }

            // Completes inline, so the feed has taken the answer in when this returns.
            latest.TrySetResult();
        }

        public void LoseConnection() => OnConnectionLost(null);

        protected override Task CatchUpAsync()
        {
            var roundTrip = new TaskCompletionSource();
            lock (_roundTrips)
            {
                _roundTrips.Add(roundTrip);
            }

            return roundTrip.Task;
        }
    }
}
