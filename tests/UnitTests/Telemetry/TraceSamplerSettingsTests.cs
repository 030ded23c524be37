using System.Diagnostics;
using AspireAuth.ServiceDefaults.Tracing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace AspireAuth.UnitTests.Telemetry;

/// <summary>
/// <c>OTEL_TRACES_SAMPLER</c> and <c>OTEL_TRACES_SAMPLER_ARG</c> choose the sampler as the OpenTelemetry specification
/// says, although the services set one in code (which turns off the SDK's own reading of them): operators and the
/// benchmark rely on them.
/// </summary>
public sealed class TraceSamplerSettingsTests
{
    [Theory]
    [InlineData(null, null, "ParentBased{AlwaysOnSampler}")]
    [InlineData("", null, "ParentBased{AlwaysOnSampler}")]
    [InlineData("always_on", null, "AlwaysOnSampler")]
    [InlineData("always_off", null, "AlwaysOffSampler")]
    [InlineData("traceidratio", "0.25", "TraceIdRatioBasedSampler{0.250000}")]
    [InlineData("traceidratio", null, "TraceIdRatioBasedSampler{1.000000}")]
    [InlineData("parentbased_always_on", null, "ParentBased{AlwaysOnSampler}")]
    [InlineData("parentbased_always_off", null, "ParentBased{AlwaysOffSampler}")]
    [InlineData("parentbased_traceidratio", "0.1", "ParentBased{TraceIdRatioBasedSampler{0.100000}}")]
    [InlineData("ParentBased_TraceIdRatio", " 0.5 ", "ParentBased{TraceIdRatioBasedSampler{0.500000}}")]
    public void The_settings_choose_the_specifications_sampler(string? sampler, string? argument, string expected)
    {
        var choice = TraceSamplerSettings.Choose(Settings(sampler, argument));

        Assert.Equal(expected, choice.Sampler.Description);
        Assert.Null(choice.Problem);
    }

    [Theory]
    [InlineData("jaeger_remote", null, "ParentBased{AlwaysOnSampler}")]
    [InlineData("sometimes", null, "ParentBased{AlwaysOnSampler}")]
    [InlineData("traceidratio", "ten percent", "TraceIdRatioBasedSampler{1.000000}")]
    [InlineData("parentbased_traceidratio", "1.5", "ParentBased{TraceIdRatioBasedSampler{1.000000}}")]
    [InlineData("parentbased_traceidratio", "-0.1", "ParentBased{TraceIdRatioBasedSampler{1.000000}}")]
    public void An_invalid_setting_falls_back_to_the_specifications_default_and_says_so(string sampler, string? argument, string expected)
    {
        var choice = TraceSamplerSettings.Choose(Settings(sampler, argument));

        Assert.Equal(expected, choice.Sampler.Description);
        Assert.NotNull(choice.Problem);
    }

    [Theory]
    [InlineData(null, ActivityKind.Server, true)]
    [InlineData(null, ActivityKind.Client, false)]
    [InlineData("always_off", ActivityKind.Server, false)]
    [InlineData("always_on", ActivityKind.Internal, true)]
    [InlineData("always_on", ActivityKind.Client, false)]
    [InlineData("parentbased_traceidratio", ActivityKind.Server, false)]
    public void A_service_samples_its_root_spans_as_OTEL_TRACES_SAMPLER_says_and_never_a_client_call_outside_work(
        string? sampler, ActivityKind kind, bool recorded)
    {
        var source = $"sampler-wiring-{Guid.NewGuid():N}";
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = source, DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [TraceSamplerSettings.SamplerKey] = sampler,
            [TraceSamplerSettings.ArgumentKey] = "0",
        });
        builder.ConfigureOpenTelemetry();
        using var host = builder.Build();
        _ = host.Services.GetRequiredService<TracerProvider>();
        using var activities = new ActivitySource(source);

        using var activity = activities.StartActivity("root", kind);

        Assert.Equal(recorded, activity?.Recorded ?? false);
    }

    private static IConfiguration Settings(string? sampler, string? argument) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [TraceSamplerSettings.SamplerKey] = sampler,
            [TraceSamplerSettings.ArgumentKey] = argument,
        }).Build();
}
