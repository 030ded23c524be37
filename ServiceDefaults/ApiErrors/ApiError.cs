using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AspireAuth.ServiceDefaults.ApiErrors;

/// <summary>Every error body of every AspireAuth API: <c>{"message","code"}</c>, as Better Auth answers.</summary>
public sealed record ApiError(string Message, string Code)
{
    // The errors every service words the same way; each service's own factory (AuthErrors, CartErrors) builds on these.
    public static ApiError Unauthorized { get; } = new("Unauthorized", "UNAUTHORIZED");

    public static ApiError UnsupportedMediaType { get; } = new("Content-Type must be application/json", "UNSUPPORTED_MEDIA_TYPE");

    public static ApiError ServiceUnavailable { get; } = new("The service is temporarily unavailable; try again in a moment", "SERVICE_UNAVAILABLE");

    public static ApiError Validation(string message) => new(message, "VALIDATION_ERROR");

    public static ApiError BodyLargerThan(long maxBytes) => new($"Request body is larger than {maxBytes} bytes", "PAYLOAD_TOO_LARGE");

    /// <summary>This error as an endpoint's answer with <paramref name="statusCode"/>.</summary>
    public JsonHttpResult<ApiError> ToResult(int statusCode) => TypedResults.Json(this, ApiErrorJsonContext.Default.ApiError, statusCode: statusCode);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ApiError))]
public sealed partial class ApiErrorJsonContext : JsonSerializerContext;
