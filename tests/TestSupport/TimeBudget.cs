using System.Diagnostics;

namespace AspireAuth.TestSupport;

/// <summary>A step a person waits on, which fails the test when it takes longer than they should have to wait.</summary>
public static class TimeBudget
{
    public static async Task<T> WithinAsync<T>(TimeSpan budget, Func<Task<T>> step)
    {
        var started = Stopwatch.GetTimestamp();
        var result = await step();
        var elapsed = Stopwatch.GetElapsedTime(started);
        if (elapsed >= budget)
        {
            (result as IDisposable)?.Dispose();
            throw new TimeoutException($"took {elapsed}, more than the {budget} a person should wait");
        }

        return result;
    }
}
