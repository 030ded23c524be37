using AspireAuth.Caching;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace AspireAuth.SessionValidation.Caching;

internal static class SessionCachingServiceCollectionExtensions
{
    /// <summary>
    /// <see cref="ISessionReader"/>: the <see cref="SessionCache"/> over <see cref="SessionReader"/> when <c>Caching:Enabled</c>
    /// is on (each lookup syncs on its own), <see cref="SessionReader"/> itself when it is off; and the channel Auth.Api's
    /// session scripts publish on (none when off).
    /// </summary>
    public static IHostApplicationBuilder AddSessionCaching(this IHostApplicationBuilder builder)
    {
        var services = builder.AddCaching().Services;
        if (CachingOptions.IsEnabled(builder.Configuration))
        {
            services.TryAddSingleton<SessionCache>();
            services.TryAddSingleton<ISessionReader>(provider => new CachedSessionReader(provider.GetRequiredService<SessionCache>()));
            services.TryAddSingleton(new SessionInvalidationChannel(InvalidationMessages.Channel));
        }
        else
        {
            services.TryAddSingleton<ISessionReader>(provider => provider.GetRequiredService<SessionReader>());
            services.TryAddSingleton(SessionInvalidationChannel.None);
        }

        return builder;
    }

    /// <summary>
    /// The <see cref="ISessionReader"/> keyed <paramref name="key"/>, for a resource server's authentication: it looks the
    /// session up, then the request reads what it asked for, and with caching on both share the request's sync
    /// (<see cref="RequestSync"/>).
    /// </summary>
    public static IHostApplicationBuilder AddRequestSessionCaching(this IHostApplicationBuilder builder, string key)
    {
        if (CachingOptions.IsEnabled(builder.Configuration))
        {
            builder.Services.AddKeyedScoped<ISessionReader>(key, (provider, _) =>
                new CachedSessionReader(provider.GetRequiredService<SessionCache>(), provider.GetRequiredService<RequestSync>()));
        }
        else
        {
            builder.Services.AddKeyedSingleton(key, (provider, _) => provider.GetRequiredService<ISessionReader>());
        }

        return builder;
    }
}
