namespace AspireAuth.Auth.Api.Data;

/// <summary>
/// Records that an anonymous user was linked. Its key makes linking happen at most once, even
/// when two requests with the same anonymous session race, and whether or not the anonymous
/// user is deleted afterwards.
/// </summary>
public sealed class AnonymousLink
{
    public required string AnonymousUserId { get; init; }

    public required string NewUserId { get; init; }

    public DateTime LinkedAt { get; init; }
}
