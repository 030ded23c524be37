namespace AspireAuth.Auth.Api.BetterAuth;

/// <summary>The one notion of "now" that core and plugins store and return.</summary>
internal static class AuthClock
{
    /// <summary>Now, to the millisecond: Better Auth's dates carry milliseconds, so stored and returned values stay equal.</summary>
    public static DateTime TruncatedNow(this TimeProvider time)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));
    }
}
