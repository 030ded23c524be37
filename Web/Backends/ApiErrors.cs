using AspireAuth.ServiceDefaults.ApiErrors;

namespace AspireAuth.Web.Backends;

/// <summary>A backend refused a request for a reason the visitor can act on (wrong password, quantity out of range, ...).</summary>
public sealed class ApiErrorException(int statusCode, ApiError error, TimeSpan? retryAfter)
    : Exception($"{statusCode} {error.Code}: {error.Message}")
{
    public int StatusCode { get; } = statusCode;

    public string Code => Error.Code;

    public ApiError Error { get; } = error;

    /// <summary>How long to wait before trying again, when the backend said so (rate limiting).</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>A backend did not answer, or answered in a way the storefront cannot use: the page shows the outage banner.</summary>
public sealed class ServiceUnavailableException(string service, string message, Exception? innerException = null)
    : Exception(message, innerException)
{
    public string Service { get; } = service;
}
