using System.Text.Json;
using AspireAuth.Auth.Api.Anonymous;
using AspireAuth.SessionValidation;

namespace AspireAuth.UnitTests.Auth;

/// <summary>The session record's user, as Redis holds it and get-session returns it, with and without plugin fields.</summary>
public sealed class SessionUserJsonTests
{
    private const string Session = """{"id":"s1","ipAddress":"127.0.0.1","userAgent":"ua","expiresAt":"2026-12-10T08:00:00.000Z","userId":"u1","token":"t1","createdAt":"2026-12-03T08:00:00.000Z","updatedAt":"2026-12-03T08:00:00.000Z"}""";

    private const string GuestUser = """{"name":"Anonymous","email":"temp@u1.com","emailVerified":false,"image":null,"createdAt":"2026-12-03T08:00:00.123Z","updatedAt":"2026-12-03T08:00:00.123Z","isAnonymous":true,"id":"u1"}""";

    private const string CoreUser = """{"name":"Ada","email":"ada@example.com","emailVerified":false,"image":"https://example.com/a.png","createdAt":"2026-12-03T08:00:00.123Z","updatedAt":"2026-12-03T08:00:00.123Z","id":"u1"}""";

    [Theory]
    [InlineData(GuestUser)]
    [InlineData(CoreUser)]
    public void A_stored_session_is_written_back_byte_for_byte(string user)
    {
        var stored = $$"""{"session":{{Session}},"user":{{user}}}""";

        var read = JsonSerializer.Deserialize(stored, SessionJsonContext.Default.SessionWithUser)!;

        Assert.Equal(stored, JsonSerializer.Serialize(read, SessionJsonContext.Default.SessionWithUser));
    }

    [Fact]
    public void IsAnonymous_is_a_plugin_field_and_absent_reads_as_not_a_guest()
    {
        var guest = JsonSerializer.Deserialize(GuestUser, SessionJsonContext.Default.SessionUser)!;
        var member = JsonSerializer.Deserialize(CoreUser, SessionJsonContext.Default.SessionUser)!;

        Assert.True(guest.IsAnonymous());
        Assert.True(guest.Fields.IsTrue(SessionClaims.IsAnonymousField));
        Assert.False(member.IsAnonymous());
        Assert.Equal(0, member.Fields.Count);
    }

    [Fact]
    public void Plugin_fields_are_written_between_updatedAt_and_id()
    {
        var user = new SessionUser("Ada", "ada@example.com", false, null, new DateTime(2026, 12, 3, 8, 0, 0, DateTimeKind.Utc),
            new DateTime(2026, 12, 3, 8, 0, 0, DateTimeKind.Utc), "u1")
        { Fields = UserFields.None.With("isAnonymous", UserFields.False) };

        var names = JsonDocument.Parse(JsonSerializer.Serialize(user, SessionJsonContext.Default.SessionUser)).RootElement
            .EnumerateObject().Select(p => p.Name);

        Assert.Equal(["name", "email", "emailVerified", "image", "createdAt", "updatedAt", "isAnonymous", "id"], names);
    }

    [Theory]
    [InlineData("""{"name":"Ada","email":"ada@example.com","createdAt":"2026-12-03T08:00:00.000Z","updatedAt":"2026-12-03T08:00:00.000Z"}""")]
    [InlineData("""["not","a","user"]""")]
    public void A_user_without_its_core_fields_is_refused(string json) =>
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(json, SessionJsonContext.Default.SessionUser));
}
