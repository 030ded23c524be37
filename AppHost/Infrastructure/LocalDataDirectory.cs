namespace AspireAuth.AppHost.Infrastructure;

/// <summary>Where local mode keeps PostgreSQL and Redis data between runs.</summary>
public static class LocalDataDirectory
{
    /// <summary>
    /// <c>$XDG_DATA_HOME/aspireauth</c> (usually <c>~/.local/share/aspireauth</c>); as root,
    /// <c>/var/lib/aspireauth</c>, because PostgreSQL runs as the <c>postgres</c> user and cannot
    /// enter root's home folder.
    /// </summary>
    public static string Default =>
        ProcessUser.IsRoot
            ? "/var/lib/aspireauth"
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "aspireauth");
}

internal static class ProcessUser
{
    public static bool IsRoot => OperatingSystem.IsLinux() && Environment.UserName == "root";

    /// <summary>The unprivileged account PostgreSQL is dropped to when the AppHost runs as root.</summary>
    public const string PostgresAccount = "postgres";
}
