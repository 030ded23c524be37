namespace AspireAuth.Fault.Tests.Workload;

/// <summary>Runs every guest's plan, a bounded number at once, recording each in the ledger; a guest that gives up does not stop the others.</summary>
internal sealed class GuestWorkload(StoreEndpoints store, HttpClient http, CartLedger ledger, WorkloadProgress progress, RunLog log)
{
    public async Task RunAsync(IReadOnlyList<GuestPlan> plans, int parallelism, CancellationToken cancellationToken)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(plans, options, async (plan, token) =>
        {
            var guest = ledger.Begin(plan);
            progress.GuestStarted();
            try
            {
                await new Shopper(store, http, guest).ShopAndSignUpAsync(token);
            }
            catch (GaveUpException gaveUp)
            {
                guest.Note(gaveUp.Message);
                guest.SignUpFailed($"never signed up: {gaveUp.Message}");
                log.Write($"guest {plan.Index}: {gaveUp.Message}");
            }
        });
        log.Write($"workload done: {plans.Count} guests");
    }
}
