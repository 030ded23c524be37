using System.Text.Json;
using System.Text.Json.Serialization;
using AspireAuth.ServiceDefaults.Json;
using AspireAuth.SessionValidation;

namespace AspireAuth.Auth.Api.BetterAuth;

public sealed record SignUpEmailRequest(string? Name, string? Email, string? Password, string? Image, bool? RememberMe, string? CallbackURL);

public sealed record SignInEmailRequest(string? Email, string? Password, bool? RememberMe, string? CallbackURL);

public sealed record RevokeSessionRequest(string? Token);

/// <summary>The body of an endpoint that takes no fields (anonymous sign-in, sign-out, delete-anonymous-user): an empty object or no body at all.</summary>
public sealed record EmptyRequest;

public sealed record SignInSocialRequest(
    string? Provider, string? CallbackURL, string? ErrorCallbackURL, string? NewUserCallbackURL, bool? DisableRedirect, List<string>? Scopes,
    string? LoginHint);

public sealed record LinkSocialRequest(string? Provider, string? CallbackURL, string? ErrorCallbackURL, bool? DisableRedirect, List<string>? Scopes);

public sealed record UnlinkAccountRequest(string? ProviderId, string? AccountId);

/// <summary>Where to send the browser to sign in with a provider; <c>redirect</c> is false when the client asked to redirect itself.</summary>
public sealed record SocialRedirectResponse(string Url, bool Redirect);

/// <summary>One way a user signs in, as <c>/list-accounts</c> shows it (no tokens, no password hash).</summary>
public sealed record AccountInfo(string Id, string ProviderId, string AccountId, string UserId, string[] Scopes, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static AccountInfo From(Data.Account account) => new(
        account.Id, account.ProviderId, account.AccountId, account.UserId,
        account.Scope?.Split(',', StringSplitOptions.RemoveEmptyEntries) ?? [], account.CreatedAt, account.UpdatedAt);
}

public sealed record TokenUserResponse(string Token, SessionUser User);

public sealed record SignInEmailResponse(bool Redirect, string Token, SessionUser User);

public sealed record SuccessResponse(bool Success);

public sealed record StatusResponse(bool Status);

public sealed record OkResponse(bool Ok);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    Converters = [typeof(IsoDateTimeConverter)],
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    AllowDuplicateProperties = false)]
[JsonSerializable(typeof(SignUpEmailRequest))]
[JsonSerializable(typeof(SignInEmailRequest))]
[JsonSerializable(typeof(RevokeSessionRequest))]
[JsonSerializable(typeof(EmptyRequest))]
[JsonSerializable(typeof(SignInSocialRequest))]
[JsonSerializable(typeof(LinkSocialRequest))]
[JsonSerializable(typeof(UnlinkAccountRequest))]
[JsonSerializable(typeof(SocialRedirectResponse))]
[JsonSerializable(typeof(AccountInfo[]))]
[JsonSerializable(typeof(TokenUserResponse))]
[JsonSerializable(typeof(SignInEmailResponse))]
[JsonSerializable(typeof(SuccessResponse))]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(OkResponse))]
[JsonSerializable(typeof(Session[]))]
[JsonSerializable(typeof(SessionWithUser))]
internal sealed partial class AuthJsonContext : JsonSerializerContext;
