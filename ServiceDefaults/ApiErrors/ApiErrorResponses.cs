using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace AspireAuth.ServiceDefaults.ApiErrors;

public static class ApiErrorResponses
{
    /// <summary>
    /// Every error a client can cause gets a 4xx with a <c>{"message","code"}</c> body: binding
    /// failures (thrown, see <see cref="ApiErrorExceptionHandler"/>), bodies over the endpoint's
    /// size limit, and bare status codes (404, 405, 415) that would otherwise have no body.
    /// </summary>
    public static IServiceCollection AddApiErrors(this IServiceCollection services)
    {
        services.AddApiExceptionHandler();
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }

    /// <summary>
    /// Only the exception handling of <see cref="AddApiErrors"/>: every exception an endpoint throws
    /// becomes a <c>{"message","code"}</c> answer (see <see cref="ApiErrorExceptionHandler"/>), in every
    /// environment. For APIs whose bare status codes are part of their contract.
    /// </summary>
    public static IServiceCollection AddApiExceptionHandler(this IServiceCollection services)
    {
        services.AddExceptionHandler<ApiErrorExceptionHandler>();
        services.AddProblemDetails();
        return services;
    }

    /// <summary>
    /// Call first: in Development the framework puts the developer exception page in front of
    /// everything, and this handler, registered after it, answers before the page sees the exception.
    /// </summary>
    public static IApplicationBuilder UseApiExceptionHandler(this IApplicationBuilder app) => app.UseExceptionHandler();

    public static IApplicationBuilder UseApiErrors(this IApplicationBuilder app)
    {
        app.UseApiExceptionHandler();
        app.UseStatusCodePages(async context =>
        {
            var response = context.HttpContext.Response;
            var error = response.StatusCode switch
            {
                StatusCodes.Status401Unauthorized => ApiError.Unauthorized,
                StatusCodes.Status404NotFound => new ApiError("Not found", "NOT_FOUND"),
                StatusCodes.Status405MethodNotAllowed => new ApiError("Method not allowed", "METHOD_NOT_ALLOWED"),
                StatusCodes.Status413PayloadTooLarge => new ApiError("Request body is too large", "PAYLOAD_TOO_LARGE"),
                StatusCodes.Status415UnsupportedMediaType => ApiError.UnsupportedMediaType,
                _ => new ApiError("Bad request", "BAD_REQUEST"),
            };
            await response.WriteAsJsonAsync(error, ApiErrorJsonContext.Default.ApiError);
        });
        app.Use(RefuseDeclaredBodiesOverTheLimit);
        return app;
    }

    /// <summary>
    /// Sets the endpoint's body size limit (<see cref="IRequestSizeLimitMetadata"/>): Kestrel stops a body at
    /// that limit with 413, and <see cref="UseApiErrors"/> refuses a declared larger one before anything reads it.
    /// </summary>
    public static TBuilder WithRequestBodyLimit<TBuilder>(this TBuilder builder, long maxBytes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(maxBytes));

    /// <summary>
    /// A middleware, not an endpoint filter: binding reads the body before any filter runs, and not every server
    /// (the test host among them) refuses an announced Content-Length over the limit before the body is read, so a
    /// body could otherwise be parsed, and refused for what is in it, before its size is looked at.
    /// </summary>
    private static Task RefuseDeclaredBodiesOverTheLimit(HttpContext context, RequestDelegate next) =>
        context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>() is { MaxRequestBodySize: { } maxBytes }
        && context.Request.ContentLength > maxBytes
            ? ApiError.BodyLargerThan(maxBytes).ToResult(StatusCodes.Status413PayloadTooLarge).ExecuteAsync(context)
            : next(context);
}
