using System.Text.Json;
using System.Text.Json.Serialization;

namespace AspireAuth.ServiceDefaults.ApiErrors;

/// <summary>Every error body of every AspireAuth API: <c>{"message","code"}</c>, as Better Auth answers.</summary>
public sealed record ApiError(string Message, string Code);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ApiError))]
public sealed partial class ApiErrorJsonContext : JsonSerializerContext;
