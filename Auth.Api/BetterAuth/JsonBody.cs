using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using AspireAuth.ServiceDefaults.ApiErrors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AspireAuth.Auth.Api.BetterAuth;

/// <summary>The outcome of reading a request body: a value, or the 4xx answer to send instead.</summary>
internal readonly record struct BodyResult<T>(T? Value, JsonHttpResult<ApiError>? Error)
{
    public bool Failed => Error is not null;
}

/// <summary>
/// Reads a JSON request body with a size limit and turns every way it can be wrong (too large,
/// not JSON, wrong types) into a 4xx with Better Auth's error body — never a 500.
/// </summary>
internal sealed class JsonBody(IOptions<AuthOptions> options)
{
    private readonly int _limit = options.Value.MaxRequestBodyBytes;

    public async Task<BodyResult<T>> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo, T? whenEmpty = default)
    {
        if (request.ContentLength > _limit)
        {
            return new(default, AuthErrors.PayloadTooLarge(_limit));
        }

        var body = await ReadLimitedAsync(request.BodyReader, request.HttpContext.RequestAborted);
        if (body is null)
        {
            return new(default, AuthErrors.PayloadTooLarge(_limit));
        }

        if (IsBlank(body))
        {
            return whenEmpty is not null
                ? new(whenEmpty, null)
                : new(default, AuthErrors.Validation("Invalid input: expected object, received undefined"));
        }

        if (!request.HasJsonContentType())
        {
            return new(default, AuthErrors.UnsupportedMediaType());
        }

        if (!IsWellFormedJson(body))
        {
            return new(default, AuthErrors.Validation("Invalid JSON body"));
        }

        try
        {
            var value = JsonSerializer.Deserialize(body, typeInfo);
            return value is not null
                ? new(value, null)
                : new(default, AuthErrors.Validation("Invalid input: expected object, received null"));
        }
        catch (JsonException exception)
        {
            // Well-formed JSON that does not fit the request type: name the field like Better Auth does.
            var field = exception.Path is { Length: > 2 } path ? $"[body{path[1..]}] " : "";
            return new(default, AuthErrors.Validation(field + "Invalid input: wrong type"));
        }
    }

    private static bool IsWellFormedJson(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        try
        {
            while (reader.Read())
            {
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private async Task<byte[]?> ReadLimitedAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken);
            if (read.Buffer.Length > _limit)
            {
                reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                return null;
            }

            if (read.IsCompleted)
            {
                var bytes = read.Buffer.ToArray();
                reader.AdvanceTo(read.Buffer.End);
                return bytes;
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    private static bool IsBlank(ReadOnlySpan<byte> body) => body.Trim(" \t\r\n"u8).IsEmpty;
}
