using System.Security.Cryptography;
using System.Text;
using AspireAuth.ServiceDefaults.ApiErrors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAuth.Auth.Api.BetterAuth;

/// <summary>
/// Progressive lockout of password checks per account, from every address together (like Keycloak's
/// brute-force detection), counted in Redis so replicas share it: see <see cref="FailedSignInOptions"/>.
/// Keyed on the normalised e-mail whether or not an account has it, so a locked unknown e-mail answers
/// exactly like a locked account and nothing is learnt about which exist.
/// </summary>
/// <remarks>
/// Each attempt counts as a failure when it starts (one atomic script checks the lock and counts), and a
/// successful sign-in clears the count. So a burst of concurrent guesses cannot all slip in before the
/// first failure is recorded; at most <see cref="FailedSignInOptions.FreeFailures"/> get through.
/// While locked, attempts are refused without a password check and do not lengthen the lock.
/// </remarks>
internal sealed class FailedSignInLimiter(IConnectionMultiplexer redis, IOptionsMonitor<RateLimitOptions> limits, IOptionsMonitor<FailedSignInOptions> options)
{
    private const string KeyPrefix = "aspireauth:sign-in-failures:";

    // Redis's clock, not each replica's, decides when a lock ends.
    // KEYS[1] the account's key; ARGV: free failures, first lockout ms, max lockout ms, reset-after ms.
    // Returns the lock's remaining milliseconds (refused), or 0 (go ahead).
    private const string BeginScript = """
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local lockedUntil = tonumber(redis.call('HGET', KEYS[1], 'locked_until') or '0')
        if lockedUntil > now then return lockedUntil - now end
        local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
        local free = tonumber(ARGV[1])
        local lockout = 0
        if failures >= free then
            lockout = math.min(tonumber(ARGV[2]) * 2 ^ (failures - free), tonumber(ARGV[3]))
            redis.call('HSET', KEYS[1], 'locked_until', string.format('%.0f', now + lockout))
        end
        redis.call('PEXPIRE', KEYS[1], string.format('%.0f', math.max(tonumber(ARGV[4]), lockout)))
        return 0
        """;

    /// <summary>
    /// Call before checking the password of <paramref name="email"/>: null to go ahead (the attempt is
    /// counted as a failure until <see cref="SucceededAsync"/>), or the 429 to answer without checking it.
    /// </summary>
    public async Task<JsonHttpResult<ApiError>?> BeginAsync(HttpContext http, string email)
    {
        if (!limits.CurrentValue.Enabled)
        {
            return null;
        }

        var settings = options.CurrentValue;
        var remaining = (long)await redis.GetDatabase().ScriptEvaluateAsync(BeginScript, [Key(email)],
            [settings.FreeFailures, (long)settings.FirstLockout.TotalMilliseconds, (long)settings.MaxLockout.TotalMilliseconds,
                (long)settings.ResetAfter.TotalMilliseconds]);
        return remaining > 0 ? AuthErrors.TooManyRequests(http.Response, TimeSpan.FromMilliseconds(remaining)) : null;
    }

    /// <summary>The password was right: the account's failures are forgotten.</summary>
    public async Task SucceededAsync(string email)
    {
        if (limits.CurrentValue.Enabled)
        {
            await redis.GetDatabase().KeyDeleteAsync(Key(email));
        }
    }

    /// <summary>A hash of the trimmed, lower-cased e-mail: the same for every spelling, and no client text in a Redis key.</summary>
    internal static RedisKey Key(string email) =>
        KeyPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(email.Trim().ToLowerInvariant())));
}
