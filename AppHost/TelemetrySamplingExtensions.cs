using AspireAuth.AppHost.Infrastructure;

namespace AspireAuth.AppHost;

internal static class TelemetrySamplingExtensions
{
    /// <summary>The production sampler: keep a caller's decision, else one trace in ten (README, "Deploy").</summary>
    public const string ProductionSampler = "parentbased_traceidratio";

    public const string ProductionSamplerRatio = "0.1";

    /// <summary>
    /// Published, every project samples its traces through the standard <c>OTEL_TRACES_SAMPLER</c> /
    /// <c>OTEL_TRACES_SAMPLER_ARG</c>, from the <c>otel-traces-sampler</c> and <c>otel-traces-sampler-arg</c>
    /// parameters: by default parent-based at a 10% trace-id ratio, which keeps the services' throughput within
    /// the benchmark's targets while exporting (bench/README.md, "Telemetry modes"). Under <c>dotnet run</c>
    /// nothing is added: Aspire's <c>always_on</c> shows developers every trace. Call it after the last project
    /// is added.
    /// </summary>
    public static IDistributedApplicationBuilder WithProductionTraceSampling(this IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsPublishMode)
        {
            return builder;
        }

        var sampler = builder.AddParameter("otel-traces-sampler", new OverridableParameterDefault(ProductionSampler))
            .WithDescription("OpenTelemetry trace sampler of every service (OTEL_TRACES_SAMPLER), e.g. parentbased_traceidratio or always_on");
        var ratio = builder.AddParameter("otel-traces-sampler-arg", new OverridableParameterDefault(ProductionSamplerRatio))
            .WithDescription("The sampler's argument (OTEL_TRACES_SAMPLER_ARG): for a ratio sampler, the share of traces kept, 0 to 1");

        foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
        {
            builder.CreateResourceBuilder(project)
                .WithEnvironment("OTEL_TRACES_SAMPLER", sampler)
                .WithEnvironment("OTEL_TRACES_SAMPLER_ARG", ratio);
        }

        return builder;
    }
}
