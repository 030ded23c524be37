using AspireAuth.ServiceDefaults.Tracing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Cross-cutting defaults every AspireAuth service shares: telemetry, health, discovery, resilience
/// (<see cref="BackendResilience"/>).
/// </summary>
public static class ServiceDefaultsExtensions
{
    public const string HealthEndpointPath = "/health";
    public const string AlivenessEndpointPath = "/alive";

    /// <summary>The event pipeline's status (backlogs, dead letters): Healthy or Degraded, never part of readiness.</summary>
    public const string PipelineHealthEndpointPath = "/health/pipeline";

    /// <summary>Tags a check that belongs on <see cref="PipelineHealthEndpointPath"/> and not on <c>/health</c>.</summary>
    public const string PipelineTag = "pipeline";
    private const string LiveTag = "live";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.AddTrustedForwardedHeaders();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            http.AddBackendResilience();
            http.AddServiceDiscovery();
        });

        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(AspireAuthTelemetry.MeterName))
            .WithTracing(tracing => tracing
                // Calling SetSampler turns off the SDK's own reading of OTEL_TRACES_SAMPLER: the settings choose the inner sampler.
                .SetSampler(services => new UnitOfWorkSampler(ConfiguredSampler(builder.Configuration, services)))
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(AspireAuthTelemetry.ActivitySourceName)
                .AddAspNetCoreInstrumentation(options =>
                    // Probes would drown the traces people look for. A filtered request is not recorded, so the
                    // sampler drops its database and Redis calls too (UnitOfWorkSampler).
                    options.Filter = context =>
                        !context.Request.Path.StartsWithSegments(HealthEndpointPath)
                        && !context.Request.Path.StartsWithSegments(AlivenessEndpointPath))
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    private static Sampler ConfiguredSampler(IConfiguration configuration, IServiceProvider services)
    {
        var choice = TraceSamplerSettings.Choose(configuration);
        if (choice.Problem is { } problem)
        {
            services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(TraceSamplerSettings)).LogWarning("{Problem}", problem);
        }

        return choice.Sampler;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);

        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c> (readiness: every registered check, databases included, but not the pipeline's),
    /// <c>/alive</c> (liveness: the process answers) and <c>/health/pipeline</c> (the pipeline checks only: a backlog
    /// must neither pull an instance out of traffic nor hold back what waits for it). Mapped in every environment
    /// because the AppHost and orchestrators probe them; they reveal nothing but a status word.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthEndpointPath, new HealthCheckOptions
        {
            Predicate = check => !check.Tags.Contains(PipelineTag),
        });
        app.MapHealthChecks(PipelineHealthEndpointPath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(PipelineTag),
        });
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(LiveTag),
        });

        return app;
    }
}
