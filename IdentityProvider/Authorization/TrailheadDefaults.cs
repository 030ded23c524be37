namespace AspireAuth.IdentityProvider.Authorization;

public static class TrailheadDefaults
{
    public const string DisplayName = "Trailhead ID";

    /// <summary>The scheme of the sign-in cookie; its own cookie name, since every localhost port shares one cookie jar.</summary>
    public const string CookieScheme = "Trailhead";

    public const string LoginPath = "/login";
}
