using System.Text.Json;
using System.Text.Json.Serialization;
using AspireAuth.ServiceDefaults.Json;

namespace AspireAuth.SessionValidation;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, Converters = [typeof(IsoDateTimeConverter)])]
[JsonSerializable(typeof(SessionWithUser))]
[JsonSerializable(typeof(Session))]
[JsonSerializable(typeof(Session[]))]
[JsonSerializable(typeof(SessionUser))]
[JsonSerializable(typeof(ActiveSessionEntry[]))]
public sealed partial class SessionJsonContext : JsonSerializerContext;
