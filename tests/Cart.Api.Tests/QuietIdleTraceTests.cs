using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using AspireAuth.Auth.Api.Data;
using AspireAuth.Cart.Api.Data;
using AspireAuth.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Trace;
using StackExchange.Redis;

namespace AspireAuth.Cart.Api.Tests;

/// <summary>
/// What the dashboard shows of services left alone: their background loops poll PostgreSQL and Redis every few hundred
/// milliseconds here, and none of it is a trace; health probes are none either; work that happens is one trace. The
/// services run under <c>OTEL_TRACES_SAMPLER=always_on</c>, as the AppHost's dev loop sets it, and what they would
/// export is what their tracer provider hands its processors.
/// </summary>
[Collection(ShopCollection.Name)]
#pragma warning disable CA1001 // _exported is disposed in DisposeAsync, once the apps that use it are.
public sealed class QuietIdleTraceTests(ShopFixture shop) : IClassFixture<ShopFixture>, IAsyncLifetime
#pragma warning restore CA1001
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private readonly ExportedSpans _exported = new();
    private WebApplicationFactory<AuthDbContext> _auth = null!;
    private WebApplicationFactory<CartDbContext> _cart = null!;

    public Task InitializeAsync()
    {
        var sampler = new KeyValuePair<string, string?>("OTEL_TRACES_SAMPLER", "always_on");
        _auth = shop.StartApp<AuthDbContext>(
            [
                sampler,
                new("Outbox:PollInterval", PollInterval.ToString()),
                new("Outbox:MaintenanceInterval", "00:00:01"),
                new("Auth:Anonymous:GuestRevocationInterval", PollInterval.ToString()),
            ],
            // A tracer provider sees every span of the process (both services, every instance), so one processor is enough.
            services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddProcessor(_exported)));
        _cart = shop.StartCart(new() { [sampler.Key] = sampler.Value, ["Messaging:Consumer:PollInterval"] = PollInterval.ToString() });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await shop.StopAsync(_auth);
        await shop.StopAsync(_cart);
        _exported.Dispose();
    }

    [Fact]
    public async Task Idle_services_poll_without_recording_a_span()
    {
        await using var polls = await PollCounter.StartAsync(shop.Infrastructure.ConnectionStrings["redis"]);
        _exported.Clear();
        var consumerReads = await polls.ConsumerReadsAsync();

        // A few rounds of every loop: the relay's and the revocation's queries, the consumer's reads and claims.
        await Eventually.HoldsAsync(async () =>
            polls.DatabaseQueries >= 10 && await polls.ConsumerReadsAsync() >= consumerReads + 5, Deadline);

        Assert.True(_exported.All.Length == 0, $"Recorded while idle: {Describe(_exported.All)}");
    }

    [Fact]
    public async Task Health_probes_record_no_span_not_even_their_database_and_Redis_checks()
    {
        _exported.Clear();
        foreach (var http in new[] { _auth.CreateClient(), _cart.CreateClient() })
        {
            foreach (var probe in new[] { "/health", "/alive" })
            {
                (await http.GetAsync(new Uri(probe, UriKind.Relative))).EnsureSuccessStatusCode();
            }
        }

        // Redis spans are made when the instrumentation drains its sessions, in order: once a later request's are out,
        // the probes' would be too.
        var marker = ActivityTraceId.CreateRandom();
        using var signIn = new HttpRequestMessage(HttpMethod.Post, "/api/auth/sign-in/anonymous") { Content = JsonContent.Create(new { }) };
        signIn.Headers.Add("traceparent", $"00-{marker}-{ActivitySpanId.CreateRandom()}-01");
        (await _auth.CreateClient().SendAsync(signIn)).EnsureSuccessStatusCode();
        await Eventually.HoldsAsync(() => Task.FromResult(_exported.All.Any(span => span.TraceId == marker && IsRedis(span))), Deadline);

        var others = _exported.All.Where(span => span.TraceId != marker).ToList();
        Assert.True(others.Count == 0, $"Recorded besides the marker request: {Describe(others)}");
    }

    [Fact]
    public async Task A_relayed_and_consumed_event_is_one_trace_per_unit_of_work_linked_to_the_sign_up_that_caused_it()
    {
        var signUpTrace = ActivityTraceId.CreateRandom();
        var shopper = shop.CreateShopper();
        await shopper.SignInAnonymouslyAsync();
        await shopper.AddAsync(10, 1);
        _exported.Clear();

        using var signUp = new HttpRequestMessage(HttpMethod.Post, "/api/auth/sign-up/email")
        {
            Content = JsonContent.Create(new { name = "Quinn", email = $"quiet-{Guid.NewGuid():N}@example.com", password = "correct-horse-battery" }),
        };
        signUp.Headers.Authorization = new("Bearer", shopper.Token);
        signUp.Headers.Add("traceparent", $"00-{signUpTrace}-{ActivitySpanId.CreateRandom()}-01");
        (await _auth.CreateClient().SendAsync(signUp)).EnsureSuccessStatusCode();

        // The relay's batch: a trace of its own, linked to the sign-up, with its Redis append as a child.
        var relay = await SpanAsync(span => span.OperationName == "outbox publish" && span.Links.Any(link => link.Context.TraceId == signUpTrace));
        Assert.Equal(default, relay.ParentSpanId);
        Assert.NotEqual(signUpTrace, relay.TraceId);
        await SpanAsync(span => span.TraceId == relay.TraceId && span.ParentSpanId == relay.SpanId && IsRedis(span) && span.DisplayName == "XADD");

        // The event's own spans continue the sign-up's trace: publish, then the consumer with its SQL.
        var consumed = await SpanAsync(span => span.Kind == ActivityKind.Consumer && span.TraceId == signUpTrace);
        var published = Assert.Single(_exported.All, span => span.DisplayName == "auth.anonymous-account-linked publish" && span.TraceId == signUpTrace);
        Assert.Equal(published.SpanId, consumed.ParentSpanId);
        await SpanAsync(span => span.TraceId == signUpTrace && span.ParentSpanId == consumed.SpanId && span.Kind == ActivityKind.Client);

        Assert.DoesNotContain(_exported.All, span => span.Kind == ActivityKind.Client && span.ParentSpanId == default);
    }

    private async Task<Activity> SpanAsync(Func<Activity, bool> match)
    {
        await Eventually.HoldsAsync(() => Task.FromResult(_exported.All.Any(match)), Deadline);
        return _exported.All.First(match);
    }

    private static bool IsRedis(Activity span) => span.Source.Name == "OpenTelemetry.Instrumentation.StackExchangeRedis";

    private static string Describe(IEnumerable<Activity> spans) =>
        string.Join("; ", spans.Select(span => $"{span.Source.Name} {span.Kind} '{span.DisplayName}' parent={span.ParentSpanId}"));

    /// <summary>The spans the tracer provider hands its exporters: ended and recorded.</summary>
    private sealed class ExportedSpans : BaseProcessor<Activity>
    {
        private readonly ConcurrentQueue<Activity> _spans = new();

        public Activity[] All => _spans.ToArray();

        public void Clear() => _spans.Clear();

        public override void OnEnd(Activity data)
        {
            if (data.Recorded)
            {
                _spans.Enqueue(data);
            }
        }
    }

    /// <summary>
    /// How often the loops have polled: PostgreSQL commands outside any span (seen without changing what is sampled) and
    /// the consumer group reads Redis has served.
    /// </summary>
    private sealed class PollCounter : IAsyncDisposable
    {
        private readonly ConnectionMultiplexer _redis;
        private readonly ActivityListener _listener;
        private int _databaseQueries;

        private PollCounter(ConnectionMultiplexer redis)
        {
            _redis = redis;
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == "Npgsql",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
                ActivityStarted = activity =>
                {
                    if (activity.ParentSpanId == default)
                    {
                        Interlocked.Increment(ref _databaseQueries);
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        /// <summary>Counts from now; <paramref name="redisConnectionString"/>'s server is asked for its command statistics.</summary>
        public static async Task<PollCounter> StartAsync(string redisConnectionString) =>
            new(await ConnectionMultiplexer.ConnectAsync(redisConnectionString + ",allowAdmin=true"));

        public int DatabaseQueries => Volatile.Read(ref _databaseQueries);

        public async Task<long> ConsumerReadsAsync()
        {
            var server = _redis.GetServer(_redis.GetEndPoints()[0]);
            var stats = (await server.InfoAsync("commandstats")).SelectMany(group => group)
                .FirstOrDefault(stat => stat.Key == "cmdstat_xreadgroup").Value;
            return stats is null ? 0 : long.Parse(stats.Split(',')[0].Split('=')[1], System.Globalization.CultureInfo.InvariantCulture);
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Dispose();
            await _redis.DisposeAsync();
        }
    }
}
