using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAuth.Auth.Api.BetterAuth;

/// <summary>
/// A fixed window per client address and path, counted in Redis so every replica enforces the
/// same limit. Over the limit: 429 <c>TOO_MANY_REQUESTS</c> with <c>X-Retry-After</c> (seconds).
/// </summary>
internal sealed class RateLimitFilter(IConnectionMultiplexer redis, IOptionsMonitor<RateLimitOptions> options) : IEndpointFilter
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
        var trustedProxies = limits.TrustedProxies.Select(IPAddress.Parse).ToArray();
        var key = $"aspireauth:rate-limit:{ClientInfo.RateLimitAddress(http, trustedProxies)}:{http.Request.Path}";
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(CountScript,
            [key], [(long)limits.Window.TotalMilliseconds]))!;
        var count = (long)result[0];
        if (count <= limits.PermitLimit)
        {
            return await next(context);
        }

        var retryAfterSeconds = Math.Max(1, (long)Math.Ceiling((long)result[1] / 1000.0));
        http.Response.Headers["X-Retry-After"] = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return AuthErrors.TooManyRequests();
    }
}
