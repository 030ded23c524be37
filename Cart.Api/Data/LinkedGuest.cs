namespace AspireAuth.Cart.Api.Data;

/// <summary>
/// A guest whose cart was taken over into an account. Written in the takeover's transaction; from then on a write
/// with the guest's id is refused, so no item lands in a cart that is already gone.
/// </summary>
public sealed class LinkedGuest
{
    public required string GuestUserId { get; init; }

    public required string UserId { get; init; }

    public DateTime LinkedAt { get; init; }
}
