using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace AspireAuth.Fault.Tests.Workload;

/// <summary>Where the clients reach the app: the AppHost's endpoints of Web, Auth.Api and Cart.Api.</summary>
internal sealed record StoreEndpoints(Uri Web, Uri AuthApi, Uri CartApi)
{
    public static StoreEndpoints Of(DistributedApplication app) =>
        new(app.GetEndpoint("web", "http"), app.GetEndpoint("auth-api", "http"), app.GetEndpoint("cart-api", "http"));

    /// <summary>The storefront's origin as a browser sends it; Auth.Api trusts it for cookie-carrying POSTs.</summary>
    public string WebOrigin => Web.GetLeftPart(UriPartial.Authority);

    /// <summary>The clients' HTTP: no cookie jar of its own (each guest keeps one), no automatic redirects or retries.</summary>
    public static HttpClient CreateClient() => new(new SocketsHttpHandler
    {
        UseCookies = false,
        AllowAutoRedirect = false,
        ConnectTimeout = TimeSpan.FromSeconds(5),
    })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };
}

/// <summary>An answer, or the network error that took its place (<see cref="Status"/> null).</summary>
internal sealed record Reply(HttpStatusCode? Status, string Body, Uri? Location, string? Error)
{
    /// <summary>What a real client retries: no answer at all, or a 5xx.</summary>
    public bool IsTransient => Status is null || (int)Status >= 500;

    public bool Is(HttpStatusCode status) => Status == status;

    public string Json(string property) => JsonDocument.Parse(Body).RootElement.GetProperty(property).GetString()!;

    public override string ToString() => Status is { } status
        ? $"{(int)status} {Body[..Math.Min(Body.Length, 160)]}".TrimEnd()
        : $"no answer ({Error})";

    public static async Task<Reply> SendAsync(HttpClient http, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            return new(response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken), response.Headers.Location, null)
            {
                SetCookies = response.Headers.TryGetValues("Set-Cookie", out var cookies) ? [.. cookies] : [],
            };
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException
            || (exception is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new(null, "", null, $"{exception.GetType().Name}: {exception.Message}");
        }
    }

    public IReadOnlyList<string> SetCookies { get; init; } = [];
}

/// <summary>
/// A real client's patience for one step: exponential backoff with jitter, 250 ms doubling to 4 s, for two minutes
/// and at least three retries (a request that hangs until its timeout must not use up the patience on its own).
/// </summary>
internal sealed class Backoff
{
    private const int MinRetries = 3;
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(4);

    private readonly Stopwatch _elapsed = Stopwatch.StartNew();
    private TimeSpan _next = TimeSpan.FromMilliseconds(250);

    public int Retries { get; private set; }

    /// <summary>Waits before the next attempt; false once the budget is spent (the client gives up).</summary>
    public async Task<bool> WaitAsync(CancellationToken cancellationToken)
    {
        if (_elapsed.Elapsed >= Budget && Retries >= MinRetries)
        {
            return false;
        }

        await Task.Delay(_next * (0.75 + (Random.Shared.NextDouble() / 2)), cancellationToken);
        _next = TimeSpan.FromTicks(Math.Min(_next.Ticks * 2, MaxDelay.Ticks));
        Retries++;
        return true;
    }
}

/// <summary>A guest's client ran out of patience on a step; the run records it and carries on with the next guest.</summary>
internal sealed class GaveUpException(string message) : Exception(message);
