namespace AspireAuth.Auth.Api.Tests;

/// <summary>
/// A real database failure on demand: while it lives, PostgreSQL refuses outbox rows about one
/// anonymous user (a trigger that raises), so only the test that made it is affected.
/// </summary>
internal sealed class OutboxInsertFailure : IAsyncDisposable
{
    private readonly AuthApiFixture _fixture;
    private readonly string _name = $"test_fail_outbox_{Guid.NewGuid():N}";

    private OutboxInsertFailure(AuthApiFixture fixture) => _fixture = fixture;

    public static async Task<OutboxInsertFailure> InjectForAsync(AuthApiFixture fixture, string anonymousUserId)
    {
        // The id goes into DDL, which takes no parameters: only a well-formed id may.
        Assert.Matches("^[A-Za-z0-9]{32}$", anonymousUserId);
        var failure = new OutboxInsertFailure(fixture);
        await fixture.ExecuteAsync($"""
            CREATE FUNCTION {failure._name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'injected outbox failure'; END $$;
            CREATE TRIGGER {failure._name} BEFORE INSERT ON outbox_message FOR EACH ROW
            WHEN (NEW.payload->>'anonymousUserId' = '{anonymousUserId}') EXECUTE FUNCTION {failure._name}();
            """);
        return failure;
    }

    public async ValueTask DisposeAsync() =>
        await _fixture.ExecuteAsync($"""
            DROP TRIGGER IF EXISTS {_name} ON outbox_message;
            DROP FUNCTION IF EXISTS {_name}();
            """);
}
