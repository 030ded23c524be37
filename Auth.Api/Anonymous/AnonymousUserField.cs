using AspireAuth.SessionValidation;

namespace AspireAuth.Auth.Api.Anonymous;

/// <summary>The plugin's field of user objects: <c>isAnonymous</c>, written between <c>updatedAt</c> and <c>id</c>.</summary>
public static class AnonymousUserField
{
    public const string Name = SessionClaims.IsAnonymousField;

    // Most users carry no other plugin field: these spare the allocation of a new set per sign-in.
    private static readonly UserFields Guest = UserFields.None.With(Name, UserFields.True);
    private static readonly UserFields Member = UserFields.None.With(Name, UserFields.False);

    /// <summary>Whether the user is a guest; false when the field is absent.</summary>
    public static bool IsAnonymous(this SessionUser user) => user.Fields.IsTrue(Name);

    internal static UserFields WithIsAnonymous(this UserFields fields, bool isAnonymous) =>
        fields.Count == 0 ? (isAnonymous ? Guest : Member) : fields.With(Name, UserFields.Boolean(isAnonymous));
}
