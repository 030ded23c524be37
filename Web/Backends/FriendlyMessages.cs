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
        "FAILED_TO_UNLINK_LAST_ACCOUNT" => "That's your only way to sign in, so it stays. Link another sign-in method first.",
        "ACCOUNT_NOT_FOUND" => "That sign-in method isn't linked to your account any more.",
        _ => "That didn't work. Please try again.",
    };

    /// <summary>For Auth.Api's refusal to start signing in or linking at an identity provider.</summary>
    public static string ForIdentityProvider(ApiErrorException error, SocialProvider provider) => error.Code switch
    {
        "PROVIDER_NOT_FOUND" => $"Signing in with {provider.DisplayName} isn't available right now. Use your email and password instead.",
        AuthApiClient.ProviderUnavailable => $"{provider.DisplayName} can't be reached right now. Please try again later.",
        _ => For(error),
    };

    /// <summary>
    /// For the error code (Better Auth's, lowercase) an identity provider's sign-in came back with;
    /// <paramref name="provider"/> is null when the page does not know which provider it was.
    /// </summary>
    public static string ForSignInReturn(string code, SocialProvider? provider)
    {
        var name = provider?.DisplayName ?? "the identity provider";
        return code switch
        {
            "account_not_linked" => $"An account with this email already exists. Sign in with your password, then link {name} from your account page.",
            "state_mismatch" => "That sign-in expired or was started in another browser. Please try again.",
            "access_denied" => $"Signing in with {name} was cancelled. Try again, or sign in with your email and password.",
            "provider_unavailable" => $"{Capitalized(name)} can't be reached right now. Sign in with your email and password, or try again later.",
            "email_not_found" => $"{Capitalized(name)} didn't share an email address, and your account needs one. Sign in with your email and password.",
            _ => "Signing in didn't work. Please try again, or sign in with your email and password.",
        };
    }

    /// <summary>For the error code (Better Auth's, lowercase) linking an identity provider on the account page came back with.</summary>
    public static string ForLinkReturn(string code) => code switch
    {
        "account_already_linked_to_different_user" => "That sign-in is already linked to another account. Sign in with it to use that account.",
        "state_mismatch" => "That link expired or was started in another browser. Please try again.",
        "access_denied" => "Linking was cancelled. Nothing changed.",
        "provider_unavailable" => "The identity provider can't be reached right now. Please try again later.",
        "email_not_found" => "The identity provider didn't share an email address, so it can't be linked.",
        _ => "Linking didn't work. Nothing changed; please try again.",
    };

    private static string Capitalized(string text) => char.ToUpperInvariant(text[0]) + text[1..];

    private static string Describe(TimeSpan wait) => wait.TotalSeconds switch
    {
        < 2 => "a second",
        < 60 => $"{(int)Math.Ceiling(wait.TotalSeconds)} seconds",
        < 120 => "a minute",
        _ => $"{(int)Math.Ceiling(wait.TotalMinutes)} minutes",
    };
}
