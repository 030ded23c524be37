using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace AspireAuth.Auth.Api.Data;

/// <summary>A plugin's part of <see cref="AuthDbContext"/>'s model: its tables, and its columns on core's tables.</summary>
public interface IAuthModelContribution
{
    /// <summary>Names the contribution in the model cache key; unique among plugins.</summary>
    string Name { get; }

    void Configure(ModelBuilder modelBuilder);
}

public static class AuthModelContributionExtensions
{
    /// <summary>
    /// The model of <see cref="AuthDbContext"/> with core and <paramref name="contributions"/>, cached apart from
    /// models with other plugins (<see cref="AuthModelCacheKeyFactory"/>). Options, not <c>OnConfiguring</c>:
    /// a pooled context must not change its options.
    /// </summary>
    public static TBuilder UseAuthModel<TBuilder>(this TBuilder options, IEnumerable<IAuthModelContribution> contributions)
        where TBuilder : DbContextOptionsBuilder
    {
        var model = contributions.Aggregate(AuthModelContributions.None, (all, contribution) => all.With(contribution));
        ((IDbContextOptionsBuilderInfrastructure)options).AddOrUpdateExtension(model);
        options.ReplaceService<IModelCacheKeyFactory, AuthModelCacheKeyFactory>();

        // The migrations (and their snapshot) are built from the model with every plugin on (AuthDbContextDesignTimeFactory),
        // so they create the tables and columns of plugins that are off too. A model without a plugin is that model minus
        // the plugin's part, which EF 9+ reports as pending changes and MigrateAsync refuses to run with; ignored for such
        // a model only, so a real difference between the full model and the migrations still stops the migration.
        if (model.Key != AuthDbContextDesignTimeFactory.FullModelKey)
        {
            options.ConfigureWarnings(warnings => warnings.Ignore(RelationalEventId.PendingModelChangesWarning));
        }

        return options;
    }
}

/// <summary>The plugin model contributions, carried by the context's options (a pooled context takes nothing else).</summary>
internal sealed class AuthModelContributions : IDbContextOptionsExtension
{
    public static readonly AuthModelContributions None = new([]);

    private AuthModelContributions(IReadOnlyList<IAuthModelContribution> contributions)
    {
        Contributions = contributions;
        Key = string.Join(',', contributions.Select(c => c.Name).Order(StringComparer.Ordinal));
        Info = new ExtensionInfo(this);
    }

    public IReadOnlyList<IAuthModelContribution> Contributions { get; }

    /// <summary>Which contributions are on; part of the model cache key, so a context with and one without a plugin never share a model.</summary>
    public string Key { get; }

    public DbContextOptionsExtensionInfo Info { get; }

    public AuthModelContributions With(IAuthModelContribution contribution) =>
        Contributions.Any(c => c.Name == contribution.Name) ? this : new([.. Contributions, contribution]);

    public void ApplyServices(IServiceCollection services)
    {
    }

    public void Validate(IDbContextOptions options)
    {
    }

    private sealed class ExtensionInfo(AuthModelContributions extension) : DbContextOptionsExtensionInfo(extension)
    {
        public override bool IsDatabaseProvider => false;

        public override string LogFragment => $"AuthModelContributions={extension.Key} ";

        // No services of its own: every context may share EF's internal service provider; the model cache key tells models apart.
        public override int GetServiceProviderHashCode() => 0;

        public override bool ShouldUseSameServiceProvider(DbContextOptionsExtensionInfo other) => other is ExtensionInfo;

        public override void PopulateDebugInfo(IDictionary<string, string> debugInfo) =>
            debugInfo["AuthModelContributions"] = extension.Key;
    }
}

/// <summary>EF caches one model per key; by default the key is the context type, which would give a plugin-off context the plugin's model or the other way round.</summary>
internal sealed class AuthModelCacheKeyFactory : IModelCacheKeyFactory
{
    public object Create(DbContext context, bool designTime) =>
        context is AuthDbContext auth ? (context.GetType(), auth.ModelKey, designTime) : (context.GetType(), designTime);
}
