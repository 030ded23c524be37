using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace AspireAuth.EventBus;

public static class PipelineHealthChecks
{
    /// <summary>
    /// Adds a check of the event pipeline, tagged <see cref="ServiceDefaultsExtensions.PipelineTag"/>: answered on
    /// <c>/health/pipeline</c>, left out of <c>/health</c>.
    /// </summary>
    public static IHealthChecksBuilder AddPipelineCheck<TSource>(this IHealthChecksBuilder builder, string name, Func<TSource, Task<HealthCheckResult>> check)
        where TSource : notnull =>
        builder.Add(new HealthCheckRegistration(name, services => new DelegateCheck(() => check(services.GetRequiredService<TSource>())),
            failureStatus: HealthStatus.Degraded, tags: [ServiceDefaultsExtensions.PipelineTag]));

    /// <summary>Binds <see cref="PipelineHealthOptions"/> from <c>Messaging:Health</c>.</summary>
    public static IServiceCollection AddPipelineHealthOptions(this IServiceCollection services)
    {
        services.AddOptions<PipelineHealthOptions>()
            .BindConfiguration(PipelineHealthOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return services;
    }

    private sealed class DelegateCheck(Func<Task<HealthCheckResult>> check) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) => check();
    }
}
