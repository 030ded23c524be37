using AspireAuth.AppHost.Infrastructure;

namespace AspireAuth.UnitTests.Infrastructure;

public sealed class LocalBinariesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("aspireauth-binaries-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Finds_the_newest_debian_postgres_and_redis_on_path()
    {
        CreateProgram("pg/13/bin/postgres", "pg/13/bin/initdb", "pg/15/bin/postgres", "pg/15/bin/initdb", "bin/redis-server");

        var binaries = LocalBinaries.Locate(null, pathVariable: Path.Combine(_root, "bin"), postgresInstallRoot: Path.Combine(_root, "pg"));

        Assert.True(binaries.IsComplete);
        Assert.Equal(Path.Combine(_root, "pg/15/bin"), binaries.PostgresBinDirectory);
        Assert.Equal(Path.Combine(_root, "bin/redis-server"), binaries.RedisServerPath);
    }

    [Fact]
    public void Reports_what_is_missing_on_a_bare_machine()
    {
        var binaries = LocalBinaries.Locate(null, pathVariable: Path.Combine(_root, "bin"), postgresInstallRoot: Path.Combine(_root, "pg"));

        Assert.False(binaries.IsComplete);
        Assert.Equal("PostgreSQL server binaries (initdb, postgres) and redis-server", binaries.DescribeMissing());
    }

    [Fact]
    public void A_configured_folder_without_initdb_counts_as_missing()
    {
        CreateProgram("custom/postgres", "bin/redis-server");

        var binaries = LocalBinaries.Locate(Path.Combine(_root, "custom"), pathVariable: Path.Combine(_root, "bin"));

        Assert.Null(binaries.PostgresBinDirectory);
    }

    private void CreateProgram(params string[] relativePaths)
    {
        foreach (var relativePath in relativePaths)
        {
            var path = Path.Combine(_root, relativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "");
        }
    }
}
