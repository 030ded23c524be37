using AspireAuth.CartContracts;

namespace AspireAuth.Web.Backends;

/// <summary>What a visitor reads for a backend's error code: what happened and what to do, never the code itself.</summary>
public static class FriendlyMessages
{
    /// <summary>For a quantity the page's own validation refused, before any backend is asked.</summary>
    public static string QuantityOutOfRange { get; } = $"Choose a quantity from 1 to {CartLimits.MaxQuantity}.";

    public static string For(ApiErrorException error) => error.Code switch
    {
        "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL" => "An account with this email already exists. Sign in instead, or use another email.",
        "INVALID_EMAIL_OR_PASSWORD" => "That email and password don't match an account. Check them and try again.",
        "TOO_MANY_REQUESTS" => $"Too many attempts. Please wait {Describe(error.RetryAfter ?? TimeSpan.FromMinutes(1))} and try again.",
        "PASSWORD_TOO_SHORT" => "Choose a password of at least 8 characters.",
        "PASSWORD_TOO_LONG" => "Choose a password of at most 128 characters.",
        "VALIDATION_ERROR" => "Some of what you entered isn't valid. Check it and try again.",
        "CART_LINE_LIMIT" => $"Your cart is full: it holds at most {CartLimits.MaxLines} different products. Remove one to add another.",
        "PRODUCT_NOT_FOUND" => "That product is no longer available.",
        "UNAUTHORIZED" => "Your session has ended. Please sign in again.",
        _ => "That didn't work. Please try again.",
    };

    private static string Describe(TimeSpan wait) => wait.TotalSeconds switch
    {
        < 2 => "a second",
        < 60 => $"{(int)Math.Ceiling(wait.TotalSeconds)} seconds",
        < 120 => "a minute",
        _ => $"{(int)Math.Ceiling(wait.TotalMinutes)} minutes",
    };
}
