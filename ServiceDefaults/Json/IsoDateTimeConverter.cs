using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AspireAuth.ServiceDefaults.Json;

/// <summary>Dates as Better Auth writes them: ISO-8601 UTC with milliseconds, <c>2026-11-29T08:53:25.313Z</c>.</summary>
public sealed class IsoDateTimeConverter : JsonConverter<DateTime>
{
    private const string Format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTime().ToUniversalTime();

    public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options)
    {
        Span<char> buffer = stackalloc char[24];
        value.ToUniversalTime().TryFormat(buffer, out var written, Format, CultureInfo.InvariantCulture);
        writer.WriteStringValue(buffer[..written]);
    }
}
