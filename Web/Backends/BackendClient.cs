using System.Net.Http.Json;
using System.Text.Json;
using AspireAuth.ServiceDefaults.ApiErrors;
using Polly;

namespace AspireAuth.Web.Backends;

/// <summary>
/// Calls one backend on the visitor's behalf: forwards the visitor's session, turns error bodies into
/// <see cref="ApiErrorException"/> and anything unusable (no answer, 5xx, unreadable body) into
/// <see cref="ServiceUnavailableException"/>, within about a second and a half when the backend is down (<see cref="BackendLiveness"/>).
/// </summary>
public abstract class BackendClient(HttpClient http, BrowserRelay browser, BackendLiveness liveness, string serviceName)
{
    protected BrowserRelay Browser => browser;

    protected async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var response = await ExchangeAsync(method, path, body, cancellationToken);
        return await ReadAsync<T>(response, method, path, cancellationToken)
            ?? throw Unusable(method, path, "an empty body");
    }

    protected async Task<T?> SendForOptionalAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
        where T : class
    {
        using var response = await ExchangeAsync(method, path, body, cancellationToken);
        return await ReadAsync<T>(response, method, path, cancellationToken);
    }

    protected async Task SendAsync(HttpMethod method, string path, CancellationToken cancellationToken)
    {
        using var response = await ExchangeAsync(method, path, body: null, cancellationToken);
    }

    /// <summary>Adds what this backend in particular needs to a request.</summary>
    protected virtual void Prepare(HttpRequestMessage request)
    {
    }

    /// <summary>
    /// Whether an error answer is the backend refusing something the visitor can act on (an <see cref="ApiErrorException"/>)
    /// rather than the backend failing (a <see cref="ServiceUnavailableException"/>): a 4xx with a code, unless a backend says more.
    /// </summary>
    protected virtual bool IsRefusal(int status, ApiError error) => status is >= 400 and < 500;

    /// <summary>Sees every answer before it is read, errors included.</summary>
    protected virtual void Inspect(HttpResponseMessage response)
    {
    }

    private async Task<HttpResponseMessage> ExchangeAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        browser.ApplyTo(request);
        Prepare(request);

        HttpResponseMessage response;
        try
        {
            response = await liveness.CallAsync(serviceName, token => http.SendAsync(request, token), cancellationToken);
        }
        catch (Exception exception) when (exception is HttpRequestException or ExecutionRejectedException
            || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new ServiceUnavailableException(serviceName, $"{serviceName} did not answer {method} {path}.", exception);
        }

        Inspect(response);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (status >= 400 && await TryReadErrorAsync(response, cancellationToken) is { } error && IsRefusal(status, error))
            {
                throw new ApiErrorException(status, error, RetryAfter(response));
            }

            throw Unusable(method, path, $"status {status}");
        }
    }

    private async Task<T?> ReadAsync<T>(HttpResponseMessage response, HttpMethod method, string path, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(cancellationToken);
        }
        catch (JsonException exception)
        {
            throw Unusable(method, path, "a body it could not read", exception);
        }
    }

    private ServiceUnavailableException Unusable(HttpMethod method, string path, string what, Exception? exception = null) =>
        new(serviceName, $"{serviceName} answered {method} {path} with {what}.", exception);

    private static async Task<ApiError?> TryReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync(ApiErrorJsonContext.Default.ApiError, cancellationToken) is { Code.Length: > 0 } error ? error : null;
        }
        catch (Exception exception) when (exception is JsonException or HttpRequestException or IOException)
        {
            return null;
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        // Better Auth's rate limiter says X-Retry-After (seconds); honour the standard header too.
        var seconds = response.Headers.TryGetValues("X-Retry-After", out var values) ? values.FirstOrDefault() : null;
        if (int.TryParse(seconds, out var parsed) && parsed > 0)
        {
            return TimeSpan.FromSeconds(parsed);
        }

        return response.Headers.RetryAfter?.Delta;
    }
}
