using System.Net;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAuth.Auth.Api.BetterAuth;

/// <summary>
/// A fixed window per client (<see cref="ClientInfo.RateLimitPartition"/>) and matched endpoint,
/// counted in Redis so every replica enforces the same limit. The key is the endpoint's route
/// pattern, never the request path, so <c>/Sign-In/Email</c> or <c>/sign-in/email/</c> count
/// against the same budget as <c>/sign-in/email</c>. An endpoint with a <see cref="RateLimitBudget"/>
/// (a plugin's, such as guest sign-in) counts against that budget; the credential endpoints use
/// <see cref="RateLimitOptions"/>. Over the limit: 429 <c>TOO_MANY_REQUESTS</c> with
/// <c>X-Retry-After</c> (seconds).
/// </summary>
internal sealed class RateLimitFilter(
    IConnectionMultiplexer redis,
    IOptionsMonitor<RateLimitOptions> options) : IEndpointFilter
{
    private const string CountScript = """
        local count = redis.call('INCR', KEYS[1])
        if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        return { count, redis.call('PTTL', KEYS[1]) }
        """;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var limits = options.CurrentValue;
        if (!limits.Enabled)
        {
            return await next(context);
        }

        var http = context.HttpContext;
        var endpoint = http.GetEndpoint();
        var (permitLimit, window) = endpoint?.Metadata.GetMetadata<RateLimitBudget>() is { } budget
            ? budget.Current()
            : (limits.PermitLimit, limits.Window);
        var endpointName = (endpoint as RouteEndpoint)?.RoutePattern.RawText ?? endpoint?.DisplayName;
        var trustedProxies = limits.TrustedProxies.Select(address => ClientInfo.Normalize(IPAddress.Parse(address))!).ToArray();
        var key = $"aspireauth:rate-limit:{ClientInfo.RateLimitPartition(http, trustedProxies)}:{endpointName}";
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(CountScript,
            [key], [(long)window.TotalMilliseconds]))!;
        var count = (long)result[0];
        if (count <= permitLimit)
        {
            return await next(context);
        }

        return AuthErrors.TooManyRequests(http.Response, TimeSpan.FromMilliseconds((long)result[1]));
    }
}

/// <summary>Endpoint metadata: the fixed window <see cref="RateLimitFilter"/> counts the endpoint against, read per request.</summary>
public sealed record RateLimitBudget(Func<(int PermitLimit, TimeSpan Window)> Current);
