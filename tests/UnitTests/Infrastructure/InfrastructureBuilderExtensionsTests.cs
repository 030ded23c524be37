using Aspire.Hosting;
using AspireAuth.AppHost.Infrastructure;

namespace AspireAuth.UnitTests.Infrastructure;

public sealed class InfrastructureBuilderExtensionsTests : IDisposable
{
    private readonly string _emptyBin = Directory.CreateTempSubdirectory("aspireauth-no-postgres-").FullName;

    public void Dispose() => Directory.Delete(_emptyBin, recursive: true);

    /// <summary>
    /// Library code ends no process: a test host or another AppHost calling it gets the reason as an exception
    /// (the AppHost's top level prints it as one line and exits 1).
    /// </summary>
    [Fact]
    public void Without_binaries_local_mode_throws_what_to_install_instead_of_ending_the_process()
    {
        var builder = DistributedApplication.CreateBuilder(
            ["--Infrastructure:Mode=local", $"--Infrastructure:PostgresBinDirectory={_emptyBin}"]);

        var error = Assert.Throws<InfrastructureUnavailableException>(() => builder.AddInfrastructure());

        Assert.StartsWith("Infrastructure:Mode=local needs PostgreSQL server binaries (initdb, postgres)", error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install -y postgresql redis-server", error.Message, StringComparison.Ordinal);
    }
}
