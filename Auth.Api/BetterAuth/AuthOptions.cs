using System.ComponentModel.DataAnnotations;

namespace AspireAuth.Auth.Api.BetterAuth;

/// <summary>Bound from <c>Auth</c>. The signing secret lives in <see cref="Shared.Sessions.SessionSigningOptions"/>.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>The public base URL browsers use (e.g. the Web origin). When https, cookies get <c>Secure</c> and the <c>__Secure-</c> prefix.</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>Origins allowed to send cookie-carrying POSTs, besides the request's own origin and <see cref="BaseUrl"/>.</summary>
    public List<string> TrustedOrigins { get; set; } = [];

    [Range(typeof(TimeSpan), "00:05:00", "365.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>A session is refreshed (expiry pushed out, cookie re-set) once it is older than this.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan SessionUpdateAge { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Larger request bodies get 413 before they are read.</summary>
    [Range(256, 1024 * 1024)]
    public int MaxRequestBodyBytes { get; set; } = 16 * 1024;

    public bool UseSecureCookies => BaseUrl?.Scheme == Uri.UriSchemeHttps;
}

/// <summary>
/// Bound from <c>Auth:RateLimit</c>: a fixed window per client (IPv4 address or IPv6 /64) and endpoint on
/// e-mail sign-in and sign-up, shared by replicas through Redis. <see cref="Enabled"/> switches every limit
/// (this one, the budgets plugin endpoints bring (<see cref="RateLimitBudget"/>) and <see cref="FailedSignInOptions"/>).
/// </summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "Auth:RateLimit";

    public bool Enabled { get; set; } = true;

    [Range(1, 1_000_000)]
    public int PermitLimit { get; set; } = 10;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Proxies (e.g. Web) whose <c>X-Forwarded-For</c> is believed; from anyone else it is ignored.</summary>
    public List<string> TrustedProxies { get; set; } = [];
}

/// <summary>
/// Bound from <c>Auth:RateLimit:FailedSignIn</c>: password checks per account (the normalised e-mail,
/// whether or not an account has it), from all addresses together. After <see cref="FreeFailures"/>
/// failures each further one locks sign-in for that e-mail: <see cref="FirstLockout"/>, then twice as
/// long each time, at most <see cref="MaxLockout"/>. A successful sign-in, or <see cref="ResetAfter"/>
/// without a failure, forgets the failures.
/// </summary>
public sealed class FailedSignInOptions
{
    public const string SectionName = "Auth:RateLimit:FailedSignIn";

    [Range(1, 1000)]
    public int FreeFailures { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan FirstLockout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The cap, which is also the longest an attacker can keep the owner out with one more wrong guess.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan MaxLockout { get; set; } = TimeSpan.FromMinutes(15);

    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan ResetAfter { get; set; } = TimeSpan.FromHours(12);
}
