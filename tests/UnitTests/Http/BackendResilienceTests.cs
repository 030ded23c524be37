using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Polly.CircuitBreaker;

namespace AspireAuth.UnitTests.Http;

/// <summary>
/// The outbound pipeline every service gets from <c>AddServiceDefaults</c>, against a scripted
/// primary handler standing in for the network: what is retried, what is sent once, what trips the breaker.
/// </summary>
public sealed class BackendResilienceTests : IDisposable
{
    private static readonly Uri BackendA = new("http://backend-a");
    private static readonly Uri BackendB = new("http://backend-b");

    private readonly ScriptedNetwork _network = new();
    private readonly ServiceProvider _services;
    private readonly HttpClient _http;

    public BackendResilienceTests()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Testing" });
        builder.AddServiceDefaults();
        builder.Services.AddHttpClient("backend").ConfigurePrimaryHttpMessageHandler(() => _network);
        _services = (ServiceProvider)builder.Build().Services;
        _http = _services.GetRequiredService<IHttpClientFactory>().CreateClient("backend");
    }

    public void Dispose() => _services.Dispose();

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("PATCH")]
    [InlineData("DELETE")]
    public async Task An_unsafe_request_answered_503_is_sent_exactly_once(string method)
    {
        _network.Answer(BackendA, _ => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));

        using var response = await _http.SendAsync(new HttpRequestMessage(new HttpMethod(method), new Uri(BackendA, "/api/cart/items")));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, _network.Count(BackendA));
    }

    [Fact]
    public async Task A_POST_that_fails_in_transport_is_sent_exactly_once()
    {
        _network.Answer(BackendA, _ => throw new HttpRequestException("connection reset"));

        await Assert.ThrowsAsync<HttpRequestException>(() => _http.PostAsync(new Uri(BackendA, "/api/auth/sign-up/email"), content: null));

        Assert.Equal(1, _network.Count(BackendA));
    }

    [Fact]
    public async Task A_GET_answered_503_is_retried()
    {
        _network.Answer(BackendA, attempt => new HttpResponseMessage(attempt == 1 ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK));

        using var response = await _http.GetAsync(new Uri(BackendA, "/api/cart"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, _network.Count(BackendA));
    }

    [Fact]
    public async Task A_GET_that_fails_in_transport_is_retried()
    {
        _network.Answer(BackendA, attempt => attempt == 1 ? throw new HttpRequestException("connection refused") : new HttpResponseMessage(HttpStatusCode.OK));

        using var response = await _http.GetAsync(new Uri(BackendA, "/api/cart"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, _network.Count(BackendA));
    }

    [Fact]
    public async Task A_retry_waits_as_long_as_Retry_After_says()
    {
        _network.Answer(BackendA, attempt => attempt == 1
            ? new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Headers = { RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(2)) } }
            : new HttpResponseMessage(HttpStatusCode.OK));

        using var response = await _http.GetAsync(new Uri(BackendA, "/api/cart"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var attempts = _network.Attempts(BackendA);
        Assert.Equal(2, attempts.Count);
        // The default back-off would retry within about 250 ms.
        Assert.True(attempts[1] - attempts[0] >= TimeSpan.FromSeconds(1.9), $"retried after {attempts[1] - attempts[0]}");
    }

    [Fact]
    public async Task A_Retry_After_longer_than_the_request_can_wait_is_handed_to_the_caller()
    {
        _network.Answer(BackendA, _ => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
        {
            Headers = { RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(120)) },
        });

        using var response = await _http.GetAsync(new Uri(BackendA, "/api/cart"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(120), response.Headers.RetryAfter?.Delta);
        Assert.Equal(1, _network.Count(BackendA));
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.RequestTimeout)]
    [InlineData(HttpStatusCode.NotFound)]
    public async Task A_GET_answered_4xx_is_not_retried(HttpStatusCode status)
    {
        _network.Answer(BackendA, _ => new HttpResponseMessage(status) { Headers = { RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(1)) } });

        using var response = await _http.GetAsync(new Uri(BackendA, "/api/auth/get-session"));

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(1, _network.Count(BackendA));
    }

    [Fact]
    public async Task A_flood_of_4xx_and_429_never_opens_the_breaker()
    {
        HttpStatusCode[] refusals = [HttpStatusCode.TooManyRequests, HttpStatusCode.Unauthorized, HttpStatusCode.BadRequest, HttpStatusCode.Forbidden];
        _network.Answer(BackendA, attempt => new HttpResponseMessage(refusals[attempt % refusals.Length]));

        for (var i = 0; i < 500; i++)
        {
            using var response = await _http.PostAsync(new Uri(BackendA, "/api/auth/sign-in/email"), content: null);
        }

        _network.Answer(BackendA, _ => new HttpResponseMessage(HttpStatusCode.OK));
        using var next = await _http.GetAsync(new Uri(BackendA, "/api/auth/get-session"));

        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal(501, _network.Count(BackendA));
    }

    [Fact]
    public async Task Many_5xx_open_the_breaker_of_that_backend_only()
    {
        _network.Answer(BackendA, _ => new HttpResponseMessage(HttpStatusCode.InternalServerError));
        _network.Answer(BackendB, _ => new HttpResponseMessage(HttpStatusCode.OK));

        var broken = false;
        for (var i = 0; i < 100 && !broken; i++)
        {
            try
            {
                using var response = await _http.PostAsync(new Uri(BackendA, "/api/cart/items"), content: null);
            }
            catch (BrokenCircuitException)
            {
                broken = true;
            }
        }

        Assert.True(broken, "the breaker of a backend answering only 500 never opened");
        var sent = _network.Count(BackendA);
        await Assert.ThrowsAsync<BrokenCircuitException>(() => _http.GetAsync(new Uri(BackendA, "/api/cart")));
        Assert.Equal(sent, _network.Count(BackendA));

        using var other = await _http.GetAsync(new Uri(BackendB, "/api/auth/get-session"));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(1, _network.Count(BackendB));
    }

    /// <summary>Answers each backend (by authority) with a script of its attempt number (1, 2, …); records when each attempt came.</summary>
    private sealed class ScriptedNetwork : HttpMessageHandler
    {
        private readonly ConcurrentDictionary<string, Func<int, HttpResponseMessage>> _scripts = new();
        private readonly ConcurrentDictionary<string, List<TimeSpan>> _attempts = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();

        public void Answer(Uri backend, Func<int, HttpResponseMessage> script) => _scripts[backend.Authority] = script;

        public int Count(Uri backend) => Attempts(backend).Count;

        public List<TimeSpan> Attempts(Uri backend)
        {
            var attempts = _attempts.GetOrAdd(backend.Authority, _ => []);
            lock (attempts)
            {
                return [.. attempts];
            }
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var authority = request.RequestUri!.Authority;
            var attempts = _attempts.GetOrAdd(authority, _ => []);
            int attempt;
            lock (attempts)
            {
                attempts.Add(_clock.Elapsed);
                attempt = attempts.Count;
            }

            var response = _scripts[authority](attempt);
            response.RequestMessage = request;
            return Task.FromResult(response);
        }
    }
}
