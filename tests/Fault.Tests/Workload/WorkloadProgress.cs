namespace AspireAuth.Fault.Tests.Workload;

/// <summary>How many guests have started shopping, and a wait for a given count: what faults are scheduled on.</summary>
internal sealed class WorkloadProgress
{
    private readonly Lock _gate = new();
    private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];
    private int _started;

    public void GuestStarted()
    {
        lock (_gate)
        {
            _started++;
            foreach (var waiter in _waiters.Where(waiter => waiter.Count <= _started).ToList())
            {
                waiter.Reached.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    public Task WhenStartedAsync(int count, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_started >= count)
            {
                return Task.CompletedTask;
            }

            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, reached));
            return reached.Task.WaitAsync(cancellationToken);
        }
    }
}
