using Xunit;

namespace AspireAuth.TestSupport;

/// <summary>
/// The one <see cref="RealInfrastructure"/> of a test assembly. Derive it once per assembly with the databases its
/// services use and make it the collection fixture of the assembly's one collection; each test class then gets its
/// own <see cref="ServiceFixture"/>, which starts the class on empty databases and an empty Redis.
/// </summary>
public abstract class SharedInfrastructure(params string[] databaseNames) : IAsyncLifetime
{
    public RealInfrastructure Infrastructure { get; private set; } = null!;

    public async Task InitializeAsync() => Infrastructure = await RealInfrastructure.StartAsync(databaseNames);

    public async Task DisposeAsync()
    {
        if (Infrastructure is not null)
        {
            await Infrastructure.DisposeAsync();
        }
    }
}
