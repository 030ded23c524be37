namespace AspireAuth.Caching;

/// <summary>
/// The messages of the invalidation channel that keeps every service's <see cref="CoherentCache{TValue}"/>s
/// coherent: <c>{keyspace}:{key}</c> (changed), <c>+{keyspace}:{key}</c> (changing, under a
/// <see cref="ChangeLease"/>), <c>-{keyspace}:{key}</c> (that change is done), <c>{keyspace}:*</c> (every key
/// of the keyspace changed) and <c>*</c> (everything changed).
/// </summary>
public static class InvalidationMessages
{
    /// <summary>The Redis channel that carries them.</summary>
    public const string Channel = "aspireauth:invalidations";

    public const string EverythingChanged = "*";

    internal const char ChangingMark = '+';
    internal const char ChangeDoneMark = '-';

    /// <summary>What precedes a key in its keyspace's messages (scripts that publish append the key).</summary>
    public static string KeyPrefix(string keyspace) => keyspace + ":";

    public static string Changed(string keyspace, string key) => $"{keyspace}:{key}";

    public static string EverythingChangedIn(string keyspace) => Changed(keyspace, EverythingChanged);

    internal static string Changing(string keyspace, string key) => $"{ChangingMark}{keyspace}:{key}";

    internal static string ChangeDone(string keyspace, string key) => $"{ChangeDoneMark}{keyspace}:{key}";
}
