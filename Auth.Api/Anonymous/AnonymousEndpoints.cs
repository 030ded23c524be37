using AspireAuth.Auth.Api.BetterAuth;
using AspireAuth.Auth.Api.Data;
using AspireAuth.ServiceDefaults.ApiErrors;
using AspireAuth.SessionValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AspireAuth.Auth.Api.Anonymous;

/// <summary>The anonymous plugin's endpoints: <c>/sign-in/anonymous</c> and <c>/delete-anonymous-user</c>.</summary>
internal sealed class AnonymousEndpoints : IAuthPluginEndpoints
{
    public void MapEndpoints(RouteGroupBuilder auth)
    {
        var services = ((IEndpointRouteBuilder)auth).ServiceProvider;
        var limits = services.GetRequiredService<IOptionsMonitor<AnonymousRateLimitOptions>>();
        auth.MapPost("/sign-in/anonymous", SignInAnonymous)
            .WithMetadata(new RateLimitBudget(() => (limits.CurrentValue.PermitLimit, limits.CurrentValue.Window)))
            .AddEndpointFilter(services.GetRequiredService<RateLimitFilter>());
        auth.MapPost("/delete-anonymous-user", DeleteAnonymousUser);
    }

    private static async Task<Results<JsonHttpResult<TokenUserResponse>, JsonHttpResult<ApiError>>> SignInAnonymous(
        HttpContext http, JsonBody body, AuthDbContext db, SessionIssuer sessions, IOptions<AnonymousOptions> options, TimeProvider time)
    {
        var (_, error) = await body.ReadAsync(http.Request, AuthJsonContext.Default.EmptyRequest, whenEmpty: new EmptyRequest());
        if (error is not null)
        {
            return error;
        }

        var current = await sessions.FindCurrentAsync(http.Request);
        if (current is not null && current.User.IsAnonymous())
        {
            return AuthErrors.BadRequest("ANONYMOUS_USERS_CANNOT_SIGN_IN_AGAIN_ANONYMOUSLY", "Anonymous users cannot sign in again anonymously");
        }

        var id = SecureToken.New();
        var email = await GenerateEmailAsync(options.Value, id, http.RequestAborted);
        if (email is null || !InputValidation.IsEmail(email))
        {
            return AuthErrors.BadRequest("INVALID_EMAIL_FORMAT", "Email was not generated in a valid format");
        }

        var now = time.TruncatedNow();
        var user = new User
        {
            Id = id,
            Name = options.Value.GenerateName?.Invoke() ?? "Anonymous",
            Email = email.ToLowerInvariant(),
            CreatedAt = now,
            UpdatedAt = now,
        };
        // One plain INSERT: this is the hottest write of the system, and change tracking would double its cost.
        var inserted = await db.Database.ExecuteSqlAsync($"""
            INSERT INTO "user" (id, name, email, "emailVerified", image, "createdAt", "updatedAt", "isAnonymous")
            VALUES ({user.Id}, {user.Name}, {user.Email}, false, NULL, {user.CreatedAt}, {user.UpdatedAt}, true)
            ON CONFLICT DO NOTHING
            """, http.RequestAborted);
        if (inserted == 0)
        {
            // Only a custom GenerateRandomEmail can repeat an address.
            return AuthErrors.UserAlreadyExists();
        }

        var session = await sessions.IssueAsync(http, user.ToSessionUser() with { Fields = UserFields.None.WithIsAnonymous(true) }, rememberMe: true);
        return TypedResults.Json(new TokenUserResponse(session.Session.Token, session.User), AuthJsonContext.Default.TokenUserResponse);
    }

    private static async Task<Results<JsonHttpResult<SuccessResponse>, JsonHttpResult<ApiError>>> DeleteAnonymousUser(
        HttpContext http, JsonBody body, SessionIssuer sessions, SessionStore store, AuthCookies cookies, AuthDbContext db,
        IOptions<AnonymousOptions> options, TimeProvider time)
    {
        if (options.Value.DisableDeleteAnonymousUser)
        {
            return AuthErrors.BadRequest("DELETE_ANONYMOUS_USER_DISABLED", "Deleting anonymous users is disabled");
        }

        if (await sessions.FindCurrentAsync(http.Request) is not { } current)
        {
            return AuthErrors.Unauthorized();
        }

        if (!current.User.IsAnonymous())
        {
            return AuthErrors.Error(StatusCodes.Status403Forbidden, "USER_IS_NOT_ANONYMOUS", "User is not anonymous");
        }

        var (_, error) = await body.ReadAsync(http.Request, AuthJsonContext.Default.EmptyRequest, whenEmpty: new EmptyRequest());
        if (error is not null)
        {
            return error;
        }

        await using (var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None))
        {
            await db.DeleteWithEventAsync(current.User.Id, time.TruncatedNow(), CancellationToken.None);
            await transaction.CommitAsync(CancellationToken.None);
        }

        await store.RevokeAllAsync(current.User.Id);
        cookies.Clear(http.Response);
        return TypedResults.Json(new SuccessResponse(true), AuthJsonContext.Default.SuccessResponse);
    }

    private static async Task<string?> GenerateEmailAsync(AnonymousOptions options, string id, CancellationToken cancellationToken)
    {
        if (options.GenerateRandomEmailAsync is { } generateAsync)
        {
            return await generateAsync(cancellationToken);
        }

        if (options.GenerateRandomEmail is { } generate)
        {
            return generate();
        }

        return options.EmailDomainName is { } domain ? $"temp-{id}@{domain}" : $"temp@{id}.com";
    }
}
