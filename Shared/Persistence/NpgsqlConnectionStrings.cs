using Npgsql;

namespace AspireAuth.Shared.Persistence;

public static class NpgsqlConnectionStrings
{
    /// <summary>
    /// Lets Npgsql prepare each connection's most used statements on the server, so PostgreSQL
    /// stops parsing and planning the hot queries on every call (measured in bench/README.md).
    /// A value the connection string already sets is kept.
    /// </summary>
    public static string? WithAutoPrepare(string? connectionString)
    {
        if (string.IsNullOrEmpty(connectionString))
        {
            return connectionString;
        }

        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 20;
        }

        return builder.ConnectionString;
    }
}
