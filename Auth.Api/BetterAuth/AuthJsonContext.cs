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
[JsonSerializable(typeof(TokenUserResponse))]
[JsonSerializable(typeof(SignInEmailResponse))]
[JsonSerializable(typeof(SuccessResponse))]
[JsonSerializable(typeof(StatusResponse))]
[JsonSerializable(typeof(OkResponse))]
[JsonSerializable(typeof(Session[]))]
[JsonSerializable(typeof(SessionWithUser))]
internal sealed partial class AuthJsonContext : JsonSerializerContext;
