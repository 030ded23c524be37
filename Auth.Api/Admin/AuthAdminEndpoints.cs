using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using AspireAuth.Auth.Api.Anonymous;
using AspireAuth.Auth.Api.Data;
using AspireAuth.Auth.Api.Outbox;
using AspireAuth.ServiceDefaults.ApiErrors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AspireAuth.Auth.Api.Admin;

/// <summary>Auth.Api's operator endpoints, on the admin group (its own port and secret: <c>MapAdminGroup</c>).</summary>
internal static class AuthAdminEndpoints
{
    public static RouteGroupBuilder MapAuthAdminEndpoints(this RouteGroupBuilder admin)
    {
        // The same as `Auth.Api republish-events --since …` (OutboxCommands).
        admin.MapPost("/outbox/republish", async Task<Results<JsonHttpResult<RepublishResponse>, JsonHttpResult<ApiError>>> (
            string? since, AuthDbContext db, CancellationToken cancellationToken) =>
        {
            if (!DateTime.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var from))
            {
                return ApiError.Validation("since must be a time in ISO 8601, e.g. 2026-11-29T10:00:00Z").ToResult(StatusCodes.Status400BadRequest);
            }

            var count = await OutboxRelay.RepublishSinceAsync(db, from, cancellationToken);
            return TypedResults.Json(new RepublishResponse($"{count} event(s) since {from:O} will be published again", count, from),
                AdminJsonContext.Default.RepublishResponse);
        });

        // Only with the anonymous plugin, which owns the cleanup.
        if (((IEndpointRouteBuilder)admin).ServiceProvider.GetService<StaleAnonymousUserCleanup>() is not null)
        {
            admin.MapPost("/stale-guests/cleanup", async (StaleAnonymousUserCleanup cleanup, CancellationToken cancellationToken) =>
            {
                var deleted = await cleanup.RunOnceAsync(cancellationToken);
                return TypedResults.Json(new CleanupResponse($"{deleted} stale guest(s) deleted", deleted), AdminJsonContext.Default.CleanupResponse);
            });
        }

        return admin;
    }
}

internal sealed record RepublishResponse(string Message, int Republished, DateTime Since);

internal sealed record CleanupResponse(string Message, int Deleted);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RepublishResponse))]
[JsonSerializable(typeof(CleanupResponse))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
