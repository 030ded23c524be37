using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;

namespace AspireAuth.Caching;

/// <summary>
/// A 200 JSON response of a <typeparamref name="TValue"/> serialized beforehand (kept beside a
/// cached value), so a hot read writes bytes instead of serializing the same value again.
/// </summary>
public sealed class SerializedJson<TValue>(ReadOnlyMemory<byte> utf8Json) : IResult, IEndpointMetadataProvider
{
    public ReadOnlyMemory<byte> Utf8Json { get; } = utf8Json;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = Utf8Json.Length;
        await response.BodyWriter.WriteAsync(Utf8Json, httpContext.RequestAborted);
    }

    static void IEndpointMetadataProvider.PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(TValue), ["application/json"]));
}
