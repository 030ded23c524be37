using AspireAuth.Auth.Api.BetterAuth;

namespace AspireAuth.UnitTests.Auth;

public sealed class PasswordHasherTests : IDisposable
{
    private readonly PasswordHasher _hasher = new();

    [Fact]
    public void Stores_argon2id_with_owasp_parameters_and_a_fresh_salt()
    {
        var first = PasswordHasher.Hash("correct-horse-battery");
        var second = PasswordHasher.Hash("correct-horse-battery");

        Assert.StartsWith("$argon2id$v=19$m=19456,t=2,p=1$", first, StringComparison.Ordinal);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Verifies_the_right_password_only()
    {
        var hash = PasswordHasher.Hash("correct-horse-battery");

        Assert.True(PasswordHasher.Verify("correct-horse-battery", hash));
        Assert.False(PasswordHasher.Verify("correct-horse-batterY", hash));
        Assert.False(PasswordHasher.Verify("", hash));
    }

    [Fact]
    public void Compatible_forms_of_a_unicode_password_match()
    {
        // "é" precomposed vs "e" + combining acute: the same password to the person typing it.
        var hash = PasswordHasher.Hash("caf\u00e9-au-lait");

        Assert.True(PasswordHasher.Verify("cafe\u0301-au-lait", hash));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-hash")]
    [InlineData("$argon2id$v=19$m=0,t=2,p=1$c2FsdA$aGFzaA")]
    [InlineData("$scrypt$v=1$m=1,t=1,p=1$c2FsdA$aGFzaA")]
    public void Malformed_hashes_never_verify(string encoded) => Assert.False(PasswordHasher.Verify("anything", encoded));

    [Fact]
    public void The_decoy_check_always_fails() => Assert.False(_hasher.VerifyAgainstDecoy("correct-horse-battery"));

    [Fact]
    public async Task Hashing_slots_hash_and_verify_like_the_direct_calls()
    {
        var hashes = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _hasher.HashAsync("correct-horse-battery", CancellationToken.None)));

        Assert.Equal(4, hashes.Distinct().Count());
        Assert.All(hashes, hash => Assert.True(PasswordHasher.Verify("correct-horse-battery", hash)));
        Assert.True(await _hasher.VerifyAsync("correct-horse-battery", hashes[0], CancellationToken.None));
        Assert.False(await _hasher.VerifyAsync("correct-horse-batterY", hashes[0], CancellationToken.None));
        Assert.False(await _hasher.VerifyAsync("correct-horse-battery", null, CancellationToken.None));
    }

    public void Dispose() => _hasher.Dispose();
}
