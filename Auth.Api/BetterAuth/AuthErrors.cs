using System.Globalization;
using AspireAuth.ServiceDefaults.ApiErrors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AspireAuth.Auth.Api.BetterAuth;

/// <summary>Better Auth's error codes and messages, answered as <c>{"message","code"}</c>.</summary>
internal static class AuthErrors
{
    public static JsonHttpResult<ApiError> BadRequest(string code, string message) => Error(StatusCodes.Status400BadRequest, code, message);

    public static JsonHttpResult<ApiError> Error(int status, string code, string message) => new ApiError(message, code).ToResult(status);

    public static JsonHttpResult<ApiError> Validation(string message) => ApiError.Validation(message).ToResult(StatusCodes.Status400BadRequest);

    public static JsonHttpResult<ApiError> Unauthorized() => ApiError.Unauthorized.ToResult(StatusCodes.Status401Unauthorized);

    public static JsonHttpResult<ApiError> InvalidEmailOrPassword() =>
        Error(StatusCodes.Status401Unauthorized, "INVALID_EMAIL_OR_PASSWORD", "Invalid email or password");

    public static JsonHttpResult<ApiError> UserAlreadyExists() =>
        Error(StatusCodes.Status422UnprocessableEntity, "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL", "User already exists. Use another email.");

    public static JsonHttpResult<ApiError> PasswordTooShort() => BadRequest("PASSWORD_TOO_SHORT", "Password too short");

    public static JsonHttpResult<ApiError> PasswordTooLong() => BadRequest("PASSWORD_TOO_LONG", "Password too long");

    public static JsonHttpResult<ApiError> MissingOrNullOrigin() => Error(StatusCodes.Status403Forbidden, "MISSING_OR_NULL_ORIGIN", "Missing or null Origin");

    public static JsonHttpResult<ApiError> InvalidOrigin() => Error(StatusCodes.Status403Forbidden, "INVALID_ORIGIN", "Invalid origin");

    public static JsonHttpResult<ApiError> InvalidCallbackUrl() => Error(StatusCodes.Status403Forbidden, "INVALID_CALLBACK_URL", "Invalid callbackURL");

    public static JsonHttpResult<ApiError> ProviderNotFound() => Error(StatusCodes.Status404NotFound, "PROVIDER_NOT_FOUND", "Provider not found");

    public static JsonHttpResult<ApiError> ProviderUnavailable(string provider) =>
        Error(StatusCodes.Status503ServiceUnavailable, "PROVIDER_UNAVAILABLE", $"{provider} cannot be reached right now; try again later or sign in with e-mail and password");

    public static JsonHttpResult<ApiError> AccountNotFound() => BadRequest("ACCOUNT_NOT_FOUND", "Account not found");

    public static JsonHttpResult<ApiError> FailedToUnlinkLastAccount() => BadRequest("FAILED_TO_UNLINK_LAST_ACCOUNT", "You can't unlink your last account");

    public static JsonHttpResult<ApiError> CrossSiteNavigationLoginBlocked() =>
        Error(StatusCodes.Status403Forbidden, "CROSS_SITE_NAVIGATION_LOGIN_BLOCKED",
            "Cross-site navigation login blocked. This request appears to be a CSRF attack.");

    /// <summary>Better Auth's 429 <c>TOO_MANY_REQUESTS</c>, always with its <c>X-Retry-After</c>: whole seconds, at least 1.</summary>
    public static JsonHttpResult<ApiError> TooManyRequests(HttpResponse response, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalMilliseconds / 1000.0));
        response.Headers["X-Retry-After"] = seconds.ToString(CultureInfo.InvariantCulture);
        return Error(StatusCodes.Status429TooManyRequests, "TOO_MANY_REQUESTS", "Too many requests. Please try again later.");
    }

    public static JsonHttpResult<ApiError> PayloadTooLarge(int limit) => ApiError.BodyLargerThan(limit).ToResult(StatusCodes.Status413PayloadTooLarge);

    public static JsonHttpResult<ApiError> UnsupportedMediaType() => ApiError.UnsupportedMediaType.ToResult(StatusCodes.Status415UnsupportedMediaType);
}
