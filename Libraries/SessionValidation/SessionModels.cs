namespace AspireAuth.SessionValidation;

/// <summary>Better Auth's user object as it appears in responses and session records.</summary>
public sealed record SessionUser(
    string Name,
    string Email,
    bool EmailVerified,
    string? Image,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    bool IsAnonymous,
    string Id);

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
