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

/// <summary>Bound from <c>Auth:RateLimit</c>: a fixed window per client IP and path on <c>/sign-in/*</c> and <c>/sign-up/*</c>, shared by replicas through Redis.</summary>
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
