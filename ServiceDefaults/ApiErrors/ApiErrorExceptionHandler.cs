using AspireAuth.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using StackExchange.Redis;

namespace AspireAuth.ServiceDefaults.ApiErrors;

/// <summary>
/// Turns request-binding failures (malformed JSON, wrong types, wrong content type, a body over
/// the size limit) into a 4xx with the usual <c>{"message","code"}</c> body; Redis or PostgreSQL
/// being unreachable, and a <see cref="ServiceUnavailableException"/>, into a 503
/// with <c>Retry-After</c>; and anything else into a 500 with the same shape. No body names an
/// exception or shows a stack trace, in any environment.
/// </summary>
public sealed partial class ApiErrorExceptionHandler(ILogger<ApiErrorExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        (int Status, ApiError Body) error = exception switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                (StatusCodes.Status413PayloadTooLarge, new ApiError("Request body is too large", "PAYLOAD_TOO_LARGE")),
            BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } =>
                (StatusCodes.Status415UnsupportedMediaType, ApiError.UnsupportedMediaType),
            BadHttpRequestException badRequest =>
                (StatusCodes.Status400BadRequest, ApiError.Validation(DescribeBadRequest(badRequest))),
            ServiceUnavailableException unavailable =>
                (StatusCodes.Status503ServiceUnavailable, new ApiError(unavailable.ClientMessage, unavailable.Code)),
            _ when InfrastructureFailure.IsUnavailable(exception) =>
                (StatusCodes.Status503ServiceUnavailable, ApiError.ServiceUnavailable),
            _ => (StatusCodes.Status500InternalServerError, new ApiError("Internal server error", "INTERNAL_SERVER_ERROR")),
        };

        if (error.Status == StatusCodes.Status500InternalServerError)
        {
            LogUnhandled(exception, httpContext.Request.Path);
        }
        else if (error.Status == StatusCodes.Status503ServiceUnavailable)
        {
            LogUnavailable(exception, httpContext.Request.Path, error.Body.Code);
            // Spread over 1-5 s, so clients turned away together do not all come back in the same second.
            httpContext.Response.Headers[HeaderNames.RetryAfter] = Random.Shared.Next(1, 6).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        httpContext.Response.StatusCode = error.Status;
        await httpContext.Response.WriteAsJsonAsync(error.Body, ApiErrorJsonContext.Default.ApiError, cancellationToken: cancellationToken);
        return true;
    }

    private static string DescribeBadRequest(BadHttpRequestException exception) =>
        exception.InnerException is System.Text.Json.JsonException { Path: { Length: > 2 } path }
            ? $"[body{path[1..]}] Invalid input: wrong type"
            : "Invalid request body";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Answered {Path} with 503 {Code}")]
    private partial void LogUnavailable(Exception exception, string path, string code);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception for {Path}")]
    private partial void LogUnhandled(Exception exception, string path);
}
