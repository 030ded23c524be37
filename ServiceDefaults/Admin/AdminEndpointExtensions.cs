using System.Security.Cryptography;
using System.Text;
using AspireAuth.ServiceDefaults.ApiErrors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace AspireAuth.ServiceDefaults.Admin;

/// <summary>
/// Operator endpoints (the dashboard's commands call them): under <c>/admin</c>, answered only on the port
/// <see cref="AdminOptions.Port"/> names — a request that arrives on the public port is not found there, whatever
/// its Host header says — and only with <c>Authorization: Bearer {Admin:Secret}</c>.
/// </summary>
public static class AdminEndpointExtensions
{
    public static IHostApplicationBuilder AddAdminEndpoints(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        return builder;
    }

    /// <summary>The <c>/admin</c> group to map operator endpoints on, or null when no admin port is configured.</summary>
    public static RouteGroupBuilder? MapAdminGroup(this IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<AdminOptions>>().Value;
        if (options is not { Port: { } port, Secret: { } secret })
        {
            return null;
        }

        // Compared as digests: equal lengths, so the comparison takes the same time whatever was sent.
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes($"Bearer {secret}"));
        return endpoints.MapGroup("/admin")
            .ExcludeFromDescription()
            .AddEndpointFilter(async (context, next) =>
            {
                var http = context.HttpContext;
                // The local port, not RequireHost: a Host header is whatever the client writes.
                if (http.Connection.LocalPort != port)
                {
                    return TypedResults.NotFound();
                }

                var given = SHA256.HashData(Encoding.UTF8.GetBytes(http.Request.Headers[HeaderNames.Authorization].ToString()));
                if (!CryptographicOperations.FixedTimeEquals(given, expected))
                {
                    return ApiError.Unauthorized.ToResult(StatusCodes.Status401Unauthorized);
                }

                return await next(context);
            });
    }
}
