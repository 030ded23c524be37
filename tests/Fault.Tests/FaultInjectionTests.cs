using AspireAuth.Fault.Tests.Faults;
using AspireAuth.Fault.Tests.Verification;
using Xunit.Abstractions;

namespace AspireAuth.Fault.Tests;

[CollectionDefinition(Name)]
public sealed class FaultAppCollection : ICollectionFixture<AspireAppFixture>
{
    public const string Name = "FaultApp";
}

/// <summary>
/// Issue 12's fault-injection suite: guests fill carts and sign up while Cart.Api, Auth.Api, Redis and PostgreSQL
/// are SIGKILLed and restarted; afterwards every account holds exactly its guest's cart, every sign-up succeeded,
/// no guest session authenticates, nothing was dead-lettered, no process exited on its own and all is healthy.
/// <c>bench/fault-run.sh</c> runs the same test with 1,000 guests.
/// </summary>
[Collection(FaultAppCollection.Name)]
public sealed class FaultInjectionTests(AspireAppFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public Task Every_guest_keeps_its_cart_and_account_through_the_fixed_schedule_of_kills() =>
        RunAsync("fixed", settings => FaultSchedule.Fixed(settings.Guests));

    [Fact]
    public Task Every_guest_keeps_its_cart_and_account_through_a_seeded_random_schedule_of_kills() =>
        RunAsync("random", settings => FaultSchedule.Random(settings.Guests, settings.Seed));

    private async Task RunAsync(string name, Func<FaultRunSettings, FaultSchedule> createSchedule)
    {
        var settings = FaultRunSettings.FromEnvironment();

        var result = await FaultRun.ExecuteAsync(fixture.App, settings, createSchedule(settings), name);

        output.WriteLine(result.Report);
        Assert.Equal(FaultRunSummary.Clean(settings.Guests).ToString(), result.Summary.ToString());
        Assert.Empty(result.Unhealthy);
    }
}
