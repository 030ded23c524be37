using Aspire.Hosting.Publishing;

namespace AspireAuth.AppHost.Infrastructure;

/// <summary>
/// A parameter's default that configuration (<c>Parameters:name</c>) can override, unlike the plain
/// string overload of <c>AddParameter</c>, whose value is fixed; the manifest carries it as the default.
/// </summary>
internal sealed class OverridableParameterDefault(string value) : ParameterDefault
{
    public override string GetDefaultValue() => value;

    public override void WriteToManifest(ManifestPublishingContext context) => context.Writer.WriteString("value", value);
}
