using AspireAuth.SessionValidation;
using Microsoft.AspNetCore.Http;

namespace AspireAuth.UnitTests.Auth;

public sealed class SessionCookieTests
{
    // Computed independently (Python hmac/base64/urllib) for this secret and token.
    private const string Secret = "test-secret-for-cookie-vectors-0123456789";
    private const string Token = "5bXZ7Ku33Y5Xh540tgQk04frurm0kqIv";
    private const string SignedCookie = "5bXZ7Ku33Y5Xh540tgQk04frurm0kqIv.Fg5dvSSAc6ay2X2MHR2pmHboR4jmCw1IfyamOwaAPjs%3D";

    private readonly SessionCookie _cookie = new(Secret);

    [Fact]
    public void Signs_like_better_auth() => Assert.Equal(SignedCookie, _cookie.Sign(Token));

    [Fact]
    public void Verifies_encoded_and_decoded_values()
    {
        Assert.Equal(Token, _cookie.Verify(SignedCookie));
        Assert.Equal(Token, _cookie.Verify(Uri.UnescapeDataString(SignedCookie)));
    }

    [Theory]
    [InlineData("5bXZ7Ku33Y5Xh540tgQk04frurm0kqIv")] // unsigned
    [InlineData("5bXZ7Ku33Y5Xh540tgQk04frurm0kqIv.AAAAtampered")] // wrong length
    [InlineData("5bXZ7Ku33Y5Xh540tgQk04frurm0kqIv.Gg5dvSSAc6ay2X2MHR2pmHboR4jmCw1IfyamOwaAPjs=")] // one character off
    [InlineData("XbXZ7Ku33Y5Xh540tgQk04frurm0kqIv.Fg5dvSSAc6ay2X2MHR2pmHboR4jmCw1IfyamOwaAPjs=")] // other token
    [InlineData("")]
    public void Rejects_anything_not_signed_by_the_secret(string value) => Assert.Null(_cookie.Verify(value));

    [Fact]
    public void A_different_secret_does_not_verify() =>
        Assert.Null(new SessionCookie(Secret + "x").Verify(SignedCookie));

    [Theory]
    [InlineData("Bearer 5bXZ7Ku33Y5Xh540tgQk04frurm0kqIv", Token)]
    [InlineData("Bearer 5bXZ7Ku33Y5Xh540tgQk04frurm0kqIv.Fg5dvSSAc6ay2X2MHR2pmHboR4jmCw1IfyamOwaAPjs=", Token)]
    [InlineData("Bearer 5bXZ7Ku33Y5Xh540tgQk04frurm0kqIv.Gg5dvSSAc6ay2X2MHR2pmHboR4jmCw1IfyamOwaAPjs=", null)]
    [InlineData("Bearer short", null)]
    [InlineData("Basic 5bXZ7Ku33Y5Xh540tgQk04frurm0kqIv", null)]
    public void Reads_bearer_tokens_raw_or_signed(string header, string? expected) =>
        Assert.Equal(expected, _cookie.ReadToken(null, header));

    [Fact]
    public void A_bearer_token_wins_over_the_cookie()
    {
        var other = SecureToken.New();

        Assert.Equal(other, _cookie.ReadToken(SignedCookie, $"Bearer {other}"));
        Assert.Equal(Token, _cookie.ReadToken(SignedCookie, null));
    }

    [Theory]
    [InlineData("__Secure-better-auth.session_token=secure; better-auth.session_token=tossed", "secure")]
    [InlineData("better-auth.session_token=tossed; __Secure-better-auth.session_token=secure", "secure")]
    [InlineData("better-auth.session_token=plain", "plain")]
    [InlineData("__Secure-better-auth.session_token=secure", "secure")]
    [InlineData("other=1", null)]
    public void The_secure_cookie_wins_over_a_tossed_plain_one(string cookieHeader, string? expected)
    {
        var request = new DefaultHttpContext().Request;
        request.Headers.Cookie = cookieHeader;

        Assert.Equal(expected, SessionCookie.ValueIn(request.Cookies));
    }

    [Fact]
    public void Tokens_are_32_alphanumerics_and_differ()
    {
        var tokens = Enumerable.Range(0, 100).Select(_ => SecureToken.New()).ToHashSet();

        Assert.Equal(100, tokens.Count);
        Assert.All(tokens, token => Assert.True(SecureToken.IsWellFormed(token)));
    }

    [Fact]
    public void Every_character_of_a_token_is_equally_likely()
    {
        const int tokenCount = 20_000;
        var counts = new Dictionary<char, int>();
        for (var i = 0; i < tokenCount; i++)
        {
            foreach (var c in SecureToken.New())
            {
                counts[c] = counts.GetValueOrDefault(c) + 1;
            }
        }

        // 62 characters, each expected 10,323 times (σ ≈ 100): ±5% is five σ, while a modulo bias would put some 20% over.
        var expected = tokenCount * SecureToken.Length / 62.0;
        Assert.Equal(62, counts.Count);
        Assert.All(counts, count => Assert.InRange(count.Value, expected * 0.95, expected * 1.05));
    }
}
