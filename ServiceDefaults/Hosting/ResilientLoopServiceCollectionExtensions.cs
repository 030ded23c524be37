using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AspireAuth.ServiceDefaults.Hosting;

public static class ResilientLoopServiceCollectionExtensions
{
    /// <summary>Registers <see cref="ResilientLoops"/> and its <c>/health</c> check; safe to call from every component that runs a loop.</summary>
    public static IServiceCollection AddResilientLoops(this IServiceCollection services)
    {
        if (services.Any(service => service.ServiceType == typeof(ResilientLoops)))
        {
            return services;
        }

        services.AddOptions<ResilientLoopOptions>()
            .BindConfiguration(ResilientLoopOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ResilientLoops>();
        services.AddHealthChecks().AddCheck<ResilientLoops>(ResilientLoops.HealthCheckName);
        return services;
    }
}
