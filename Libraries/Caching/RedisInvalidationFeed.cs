using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace AspireAuth.Caching;

/// <summary>
/// An <see cref="InvalidationFeed"/> on a Redis pub/sub channel. Writers publish the changed key
/// on the channel in the same script that changes it.
/// </summary>
/// <remarks>
/// The catch-up round trip is a PING on the connection that carries the channel's messages: Redis
/// answers it after every message it published to this client before, and StackExchange.Redis
/// puts those messages in every subscription's queue before it completes the PING. The channel is
/// subscribed twice: one queue is applied in order, the other only counted, so after the PING we
/// know how many messages must have been applied and wait for exactly that many. Both queues
/// count from a message this instance published once, so they count the same messages.
/// Nothing is published per sync, so replicas never see each other's round trips.
/// </remarks>
public sealed class RedisInvalidationFeed(
    string channel,
    IConnectionMultiplexer redis,
    TimeSpan syncTimeout,
    TimeProvider time,
    ILogger<RedisInvalidationFeed> logger)
    : InvalidationFeed(channel, syncTimeout, time, logger), IHostedService, IDisposable
{
    private static readonly TimeSpan CountFromRepublishDelay = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan SubscribeRetryMinimum = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan SubscribeRetryMaximum = TimeSpan.FromSeconds(5);

    private readonly RedisChannel _channel = RedisChannel.Literal(channel);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _progress = new();
    private ChannelMessageQueue? _applied;
    private ChannelMessageQueue? _counted;
    private string? _countFrom;
    private DateTimeOffset _countFromPublishedAt;
    private bool _appliedFromStart;
    private bool _countedFromStart;
    private long _arrivedCount;
    private long _appliedCount;
    private (long Count, TaskCompletionSource Done)? _waitingForApplied;
    private Task? _idleSyncing;
    private volatile bool _stopped;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Any dropped connection may have carried (or be about to miss) an invalidation.
        redis.ConnectionFailed += OnConnectionFailed;
        _idleSyncing = SubscribeThenSyncWhileIdleAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    /// <summary>Subscribes (again and again while Redis is unreachable: the service starts anyway, reading the source), then keeps in sync.</summary>
    private async Task SubscribeThenSyncWhileIdleAsync(CancellationToken stoppingToken)
    {
        var backoff = SubscribeRetryMinimum;
        while (true)
        {
            try
            {
                var subscriber = redis.GetSubscriber();
                _counted ??= await subscriber.SubscribeAsync(_channel);
                if (_applied is null)
                {
                    _applied = await subscriber.SubscribeAsync(_channel);
                    _applied.OnMessage(Apply);
                }

                break;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                OnConnectionLost(exception);
                try
                {
                    await Task.Delay(backoff, Time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, SubscribeRetryMaximum.Ticks));
            }
        }

        await SyncWhileIdleAsync(stoppingToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        redis.ConnectionFailed -= OnConnectionFailed;
        await _stopping.CancelAsync();
        if (_idleSyncing is not null)
        {
            await _idleSyncing.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        foreach (var queue in new[] { _applied, _counted })
        {
            if (queue is not null)
            {
                // Best effort: with Redis unreachable at shutdown the subscription dies with the connection anyway.
                await queue.UnsubscribeAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    public void Dispose()
    {
        _stopped = true;
        _stopping.Dispose();
    }

    protected override async Task CatchUpAsync()
    {
        if (_counted is null || _applied is null)
        {
            throw new InvalidOperationException("Not subscribed to the invalidation channel yet.");
        }

        await EnsureCountingStartedAsync();
        await redis.GetSubscriber().PingAsync();

        TaskCompletionSource done;
        lock (_progress)
        {
            // Everything published to us before the PONG is in both queues by now.
            while (_counted!.TryRead(out var message))
            {
                if (_countedFromStart)
                {
                    _arrivedCount++;
                }
                else if (message.Message == _countFrom)
                {
                    _countedFromStart = true;
                    _arrivedCount = 1;
                }
            }

            if (!_countedFromStart)
            {
                throw new InvalidOperationException("The message to count from did not come back; it is published again.");
            }

            if (_appliedFromStart && _appliedCount >= _arrivedCount)
            {
                return;
            }

            // A round trip that timed out may still be waiting: it no longer counts, let it end.
            _waitingForApplied?.Done.TrySetResult();
            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waitingForApplied = (_arrivedCount, done);
        }

        await done.Task;
    }

    /// <summary>Publishes the message both queues start counting at, again if it seems lost.</summary>
    private async Task EnsureCountingStartedAsync()
    {
        string countFrom;
        lock (_progress)
        {
            if (_countedFromStart)
            {
                return;
            }

            if (_countFrom is not null && Time.GetUtcNow() - _countFromPublishedAt < CountFromRepublishDelay)
            {
                return;
            }

            _countFrom = $"~{Guid.NewGuid():N}";
            _countFromPublishedAt = Time.GetUtcNow();
            _countedFromStart = _appliedFromStart = false;
            _arrivedCount = _appliedCount = 0;
            countFrom = _countFrom;
        }

        await redis.GetSubscriber().PublishAsync(_channel, countFrom);
    }

    private void Apply(ChannelMessage message)
    {
        var key = message.Message.ToString();
        if (!key.Equals(_countFrom, StringComparison.Ordinal))
        {
            OnMessage(key);
        }

        TaskCompletionSource? caughtUp = null;
        lock (_progress)
        {
            if (_appliedFromStart)
            {
                _appliedCount++;
            }
            else if (key.Equals(_countFrom, StringComparison.Ordinal))
            {
                _appliedFromStart = true;
                _appliedCount = 1;
            }

            if (_waitingForApplied is { } waiting && _appliedFromStart && _appliedCount >= waiting.Count)
            {
                caughtUp = waiting.Done;
                _waitingForApplied = null;
            }
        }

        caughtUp?.TrySetResult();
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs args)
    {
        // A PING that comes back proves the connection, not the subscription, which the client renews
        // on its own after a reconnect: count afresh from a new message, so the feed is in sync again
        // only once a message published after the reconnect came back through both subscriptions.
        lock (_progress)
        {
            _countFrom = null;
            _countedFromStart = _appliedFromStart = false;
            _arrivedCount = _appliedCount = 0;
        }

        OnConnectionLost(args.Exception);
    }
}
