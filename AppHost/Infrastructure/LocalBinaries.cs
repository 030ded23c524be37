namespace AspireAuth.AppHost.Infrastructure;

/// <summary>The PostgreSQL and Redis server programs found on this machine, if any.</summary>
public sealed record LocalBinaries(string? PostgresBinDirectory, string? RedisServerPath)
{
    public bool IsComplete => PostgresBinDirectory is not null && RedisServerPath is not null;

    public string InitDbPath => Path.Combine(PostgresBinDirectory ?? throw Missing("initdb"), "initdb");

    public string PostgresPath => Path.Combine(PostgresBinDirectory ?? throw Missing("postgres"), "postgres");

    public string DescribeMissing()
    {
        var missing = new List<string>();
        if (PostgresBinDirectory is null)
        {
            missing.Add("PostgreSQL server binaries (initdb, postgres)");
        }

        if (RedisServerPath is null)
        {
            missing.Add("redis-server");
        }

        return string.Join(" and ", missing);
    }

    public static LocalBinaries Locate(string? postgresBinDirectory, string? pathVariable = null, string postgresInstallRoot = "/usr/lib/postgresql")
    {
        var searchPath = (pathVariable ?? Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);

        var postgresBin = postgresBinDirectory is not null
            ? (HasPostgresServer(postgresBinDirectory) ? postgresBinDirectory : null)
            : searchPath.FirstOrDefault(HasPostgresServer) ?? NewestInstalledPostgres(postgresInstallRoot);

        var redisServer = searchPath
            .Select(directory => Path.Combine(directory, "redis-server"))
            .FirstOrDefault(File.Exists);

        return new LocalBinaries(postgresBin, redisServer);
    }

    private static bool HasPostgresServer(string directory) =>
        File.Exists(Path.Combine(directory, "postgres")) && File.Exists(Path.Combine(directory, "initdb"));

    // Debian installs server binaries outside PATH, one folder per major version.
    private static string? NewestInstalledPostgres(string installRoot) =>
        !Directory.Exists(installRoot)
            ? null
            : Directory.EnumerateDirectories(installRoot)
                .Select(versionDirectory => (Version: int.TryParse(Path.GetFileName(versionDirectory), out var major) ? major : -1,
                                              Bin: Path.Combine(versionDirectory, "bin")))
                .Where(candidate => candidate.Version >= 0 && HasPostgresServer(candidate.Bin))
                .OrderByDescending(candidate => candidate.Version)
                .Select(candidate => candidate.Bin)
                .FirstOrDefault();

    private static InvalidOperationException Missing(string program) => new($"{program} was not found.");
}
