using System.Text.Json;
using System.Text.Json.Serialization;
using AspireAuth.Shared.Json;

namespace AspireAuth.Shared.Sessions;

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, Converters = [typeof(IsoDateTimeConverter)])]
[JsonSerializable(typeof(SessionWithUser))]
[JsonSerializable(typeof(Session))]
[JsonSerializable(typeof(Session[]))]
[JsonSerializable(typeof(SessionUser))]
[JsonSerializable(typeof(ActiveSessionEntry[]))]
public sealed partial class SessionJsonContext : JsonSerializerContext;
