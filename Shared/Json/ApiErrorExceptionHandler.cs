using AspireAuth.Shared.Caching;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AspireAuth.Shared.Json;

/// <summary>
/// Turns request-binding failures (malformed JSON, wrong types, wrong content type, a body over
/// the size limit) into a 4xx with the usual <c>{"message","code"}</c> body, a change that outlived
/// its <see cref="ChangeLease"/> (not made) into a 503, and anything else into a 500 with the same
/// shape and no internals.
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
                (StatusCodes.Status415UnsupportedMediaType, new ApiError("Content-Type must be application/json", "UNSUPPORTED_MEDIA_TYPE")),
            BadHttpRequestException badRequest =>
                (StatusCodes.Status400BadRequest, new ApiError(DescribeBadRequest(badRequest), "VALIDATION_ERROR")),
            ChangeLeaseExpiredException =>
                (StatusCodes.Status503ServiceUnavailable, new ApiError("The change took too long and was not made; try again", "CHANGE_TIMED_OUT")),
            _ => (StatusCodes.Status500InternalServerError, new ApiError("Internal server error", "INTERNAL_SERVER_ERROR")),
        };

        if (error.Status == StatusCodes.Status500InternalServerError)
        {
            LogUnhandled(exception, httpContext.Request.Path);
        }

        httpContext.Response.StatusCode = error.Status;
        await httpContext.Response.WriteAsJsonAsync(error.Body, ApiErrorJsonContext.Default.ApiError, cancellationToken: cancellationToken);
        return true;
    }

    private static string DescribeBadRequest(BadHttpRequestException exception) =>
        exception.InnerException is System.Text.Json.JsonException { Path: { Length: > 2 } path }
            ? $"[body{path[1..]}] Invalid input: wrong type"
            : "Invalid request body";

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception for {Path}")]
    private partial void LogUnhandled(Exception exception, string path);
}
