using System.Globalization;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Trace;

namespace AspireAuth.ServiceDefaults.Tracing;

/// <summary>
/// The sampler the standard <c>OTEL_TRACES_SAMPLER</c> and <c>OTEL_TRACES_SAMPLER_ARG</c> settings choose, as the
/// OpenTelemetry specification (SDK environment variables) and the .NET SDK define them. The SDK reads them only when
/// no sampler is set in code; <see cref="UnitOfWorkSampler"/> is, so it asks here for the one to wrap.
/// </summary>
public static class TraceSamplerSettings
{
    public const string SamplerKey = "OTEL_TRACES_SAMPLER";
    public const string ArgumentKey = "OTEL_TRACES_SAMPLER_ARG";

    /// <summary>The sampler the settings name; <see cref="SamplerChoice.Problem"/> says what was ignored, if anything, and why.</summary>
    public static SamplerChoice Choose(IConfiguration configuration)
    {
        var name = configuration[SamplerKey]?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            return new(Default(), Problem: null);
        }

        switch (name.ToLowerInvariant())
        {
            case "always_on":
                return new(new AlwaysOnSampler(), null);
            case "always_off":
                return new(new AlwaysOffSampler(), null);
            case "parentbased_always_on":
                return new(Default(), null);
            case "parentbased_always_off":
                return new(new ParentBasedSampler(new AlwaysOffSampler()), null);
            case "traceidratio":
                {
                    var (ratio, problem) = Ratio(configuration);
                    return new(new TraceIdRatioBasedSampler(ratio), problem);
                }

            case "parentbased_traceidratio":
                {
                    var (ratio, problem) = Ratio(configuration);
                    return new(new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio)), problem);
                }

            default:
                return new(Default(), $"{SamplerKey}={name} is not a sampler this SDK knows; using parentbased_always_on.");
        }
    }

    /// <summary>The specification's default: what the parent decided, and every root span.</summary>
    private static ParentBasedSampler Default() => new(new AlwaysOnSampler());

    /// <summary>The ratio of <c>traceidratio</c>: 1.0 when unset, and when invalid (not a number in [0, 1]), as the specification says.</summary>
    private static (double Ratio, string? Problem) Ratio(IConfiguration configuration)
    {
        var argument = configuration[ArgumentKey]?.Trim();
        if (string.IsNullOrEmpty(argument))
        {
            return (1.0, null);
        }

        return double.TryParse(argument, NumberStyles.Float, CultureInfo.InvariantCulture, out var ratio) && ratio is >= 0 and <= 1
            ? (ratio, null)
            : (1.0, $"{ArgumentKey}={argument} is not a ratio between 0 and 1; using 1.0.");
    }
}

/// <param name="Sampler">The sampler to use.</param>
/// <param name="Problem">A setting that was ignored and why (to log as a warning), or null.</param>
public sealed record SamplerChoice(Sampler Sampler, string? Problem);
