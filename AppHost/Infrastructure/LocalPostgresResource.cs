using System.Security.Cryptography;
using Npgsql;

namespace AspireAuth.AppHost.Infrastructure;

/// <summary>The machine's own PostgreSQL server, run by Aspire as an executable.</summary>
public sealed class LocalPostgresResource(string name, string command, string workingDirectory, string dataDirectory, string password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    internal const string EndpointName = "tcp";
    internal const string SuperUser = "postgres";

    public string DataDirectory { get; } = dataDirectory;

    internal string Password { get; } = password;

    public EndpointReference PrimaryEndpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host={PrimaryEndpoint.Property(EndpointProperty.Host)};Port={PrimaryEndpoint.Property(EndpointProperty.Port)};Username={SuperUser};Password={Password}");

    /// <summary>
    /// The superuser password is created once beside the data folder and reused, so a
    /// restarted AppHost reaches the same cluster it initialised.
    /// </summary>
    internal static string ReadOrCreatePassword(string dataRoot)
    {
        var passwordFile = Path.Combine(dataRoot, "postgres.password");
        if (File.Exists(passwordFile))
        {
            return File.ReadAllText(passwordFile).Trim();
        }

        Directory.CreateDirectory(dataRoot);
        var password = RandomNumberGenerator.GetHexString(32, lowercase: true);
        File.WriteAllText(passwordFile, password);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return password;
    }

    /// <summary>Runs <c>initdb</c> the first time; later runs find the cluster and keep it.</summary>
    internal async Task EnsureClusterInitializedAsync(LocalBinaries binaries, CancellationToken cancellationToken)
    {
        if (File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
        {
            return;
        }

        // PostgreSQL insists its data folder is private to its owner.
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(DataDirectory);
        }
        else
        {
            Directory.CreateDirectory(DataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        // initdb reads the password from a file; it lives only until initdb is done.
        var passwordFile = Path.Combine(Path.GetTempPath(), $"aspireauth-pw-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(passwordFile, Password, cancellationToken);
        try
        {
            if (ProcessUser.IsRoot)
            {
                await ProcessRunner.RunAsync("chown", [$"{ProcessUser.PostgresAccount}:", DataDirectory, passwordFile], cancellationToken);
            }

            var (fileName, arguments) = ProcessRunner.AsUnprivileged(binaries.InitDbPath,
                "--pgdata", DataDirectory, "--username", SuperUser, "--pwfile", passwordFile,
                "--auth", "scram-sha-256", "--encoding", "UTF8", "--no-locale", "--no-instructions");
            await ProcessRunner.RunAsync(fileName, arguments, cancellationToken);
        }
        finally
        {
            File.Delete(passwordFile);
        }
    }

    internal async Task EnsureDatabaseExistsAsync(string databaseName, CancellationToken cancellationToken)
    {
        var connectionString = await ConnectionStringExpression.GetValueAsync(cancellationToken);
        await using var dataSource = NpgsqlDataSource.Create(connectionString + ";Pooling=false");
        await using var exists = dataSource.CreateCommand("SELECT 1 FROM pg_database WHERE datname = $1");
        exists.Parameters.Add(new NpgsqlParameter { Value = databaseName });
        if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
        {
            return;
        }

        var quotedName = "\"" + databaseName.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        await using var create = dataSource.CreateCommand($"CREATE DATABASE {quotedName}");
        await create.ExecuteNonQueryAsync(cancellationToken);
    }
}
