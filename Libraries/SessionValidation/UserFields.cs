using System.Text.Json;

namespace AspireAuth.SessionValidation;

/// <summary>
/// The fields plugins add to a user object, in order: name and JSON value. Immutable; the few
/// there are make a linear search the cheapest lookup.
/// </summary>
public sealed class UserFields : IEquatable<UserFields>
{
    public static readonly UserFields None = new([]);

    /// <summary>Shared values, so reading a boolean field allocates nothing.</summary>
    public static readonly JsonElement True = JsonElement.Parse("true");

    public static readonly JsonElement False = JsonElement.Parse("false");

    private readonly KeyValuePair<string, JsonElement>[] _fields;

    private UserFields(KeyValuePair<string, JsonElement>[] fields) => _fields = fields;

    public int Count => _fields.Length;

    public IEnumerable<KeyValuePair<string, JsonElement>> All => _fields;

    public static JsonElement Boolean(bool value) => value ? True : False;

    public bool TryGetValue(string name, out JsonElement value)
    {
        foreach (var field in _fields)
        {
            if (field.Key == name)
            {
                value = field.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>Whether the field is present and <c>true</c>; absent (its plugin is off) reads as false.</summary>
    public bool IsTrue(string name) => TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.True;

    /// <summary>These fields with <paramref name="name"/> set to <paramref name="value"/> (in place if present, else last).</summary>
    public UserFields With(string name, JsonElement value)
    {
        var index = Array.FindIndex(_fields, field => field.Key == name);
        var fields = index < 0 ? [.. _fields, new(name, value)] : _fields.ToArray();
        if (index >= 0)
        {
            fields[index] = new(name, value);
        }

        return new UserFields(fields);
    }

    public bool Equals(UserFields? other) =>
        other is not null && _fields.Length == other._fields.Length
        && _fields.Zip(other._fields).All(pair => pair.First.Key == pair.Second.Key && JsonElement.DeepEquals(pair.First.Value, pair.Second.Value));

    public override bool Equals(object? obj) => Equals(obj as UserFields);

    public override int GetHashCode() => _fields.Length == 0 ? 0 : HashCode.Combine(_fields.Length, _fields[0].Key);

    internal static UserFields From(List<KeyValuePair<string, JsonElement>>? fields) => fields is null ? None : new([.. fields]);
}
