using System.Text.Json.Serialization;

namespace AspireAuth.SessionValidation;

/// <summary>
/// Better Auth's user object as it appears in responses and session records: the core fields, and
/// the fields plugins add (<see cref="Fields"/>), written between <c>updatedAt</c> and <c>id</c>.
/// </summary>
[JsonConverter(typeof(SessionUserJsonConverter))]
public sealed record SessionUser(
    string Name,
    string Email,
    bool EmailVerified,
    string? Image,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    string Id)
{
    /// <summary>Plugin fields (Better Auth's <c>additionalFields</c>), kept as stored and written back unchanged.</summary>
    public UserFields Fields { get; init; } = UserFields.None;
}

/// <summary>Better Auth's session object.</summary>
public sealed record Session(
    string Id,
    string IpAddress,
    string UserAgent,
    DateTime ExpiresAt,
    string UserId,
    string Token,
    DateTime CreatedAt,
    DateTime UpdatedAt);

/// <summary>What Redis holds per session token, and what <c>get-session</c> returns.</summary>
public sealed record SessionWithUser(Session Session, SessionUser User);

/// <summary>An entry of the per-user index of active sessions.</summary>
public sealed record ActiveSessionEntry(string Token, long ExpiresAt);
