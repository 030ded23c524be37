using Npgsql;

namespace AspireAuth.ServiceDefaults.Data;

public static class NpgsqlConnectionStrings
{
    /// <summary>
    /// The services' pooling settings, measured in bench/README.md; a value the connection string
    /// already sets is kept.
    /// <list type="bullet">
    /// <item><c>Max Auto Prepare = 20</c>: PostgreSQL prepares each connection's most used statements
    /// once instead of parsing and planning them on every call.</item>
    /// <item><c>No Reset On Close</c>: a connection going back to the pool is not reset, which would
    /// otherwise cost PostgreSQL five statements on its next use. The services keep no session state
    /// on pooled connections: locks are transaction-scoped or released explicitly, and listening
    /// connections are their own.</item>
    /// </list>
    /// </summary>
    public static string? WithServicePoolSettings(string? connectionString)
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

        if (!connectionString.Contains("Reset On Close", StringComparison.OrdinalIgnoreCase))
        {
            builder.NoResetOnClose = true;
        }

        return builder.ConnectionString;
    }
}
