using AspireAuth.Auth.Api.BetterAuth;
using AspireAuth.Auth.Api.Data;
using AspireAuth.Auth.Api.Outbox;
using AspireAuth.Shared.Events;
using AspireAuth.Shared.Json;
using AspireAuth.Shared.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AspireAuth.Auth.Api.Anonymous;

/// <summary>
/// Better Auth's anonymous plugin: guests sign in without personal data, and when a guest
/// signs in or up for real, the guest is linked to that account — exactly once, announced by
/// a durable <see cref="AnonymousAccountLinked"/> event.
/// </summary>
internal sealed class AnonymousPlugin(IOptions<AnonymousOptions> options, ILogger<AnonymousPlugin> logger) : IAuthPlugin
{
    private AnonymousOptions Options => options.Value;

    public void MapEndpoints(RouteGroupBuilder auth)
    {
        var rateLimit = ((IEndpointRouteBuilder)auth).ServiceProvider.GetRequiredService<RateLimitFilter>();
        auth.MapPost("/sign-in/anonymous", SignInAnonymous).AddEndpointFilter(rateLimit);
        auth.MapPost("/delete-anonymous-user", DeleteAnonymousUser);
    }

    public async Task OnSessionCreatedAsync(HttpContext httpContext, SessionWithUser? previousSession, SessionWithUser newSession)
    {
        if (previousSession is not { User.IsAnonymous: true } anonymous
            || newSession.User.IsAnonymous
            || anonymous.User.Id == newSession.User.Id)
        {
            return;
        }

        var services = httpContext.RequestServices;
        var db = services.GetRequiredService<AuthDbContext>();
        var now = AuthEndpoints.TruncatedNow(services.GetRequiredService<TimeProvider>());

        // The sign-in already succeeded; the link must not be cut short by the client going away.
        var cancellationToken = CancellationToken.None;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            // The claim: of two requests racing with the same anonymous session, one inserts, the other links nothing.
            var claimed = await db.Database.ExecuteSqlAsync(
                $"INSERT INTO anonymous_link (anonymous_user_id, new_user_id, linked_at) VALUES ({anonymous.User.Id}, {newSession.User.Id}, {now}) ON CONFLICT DO NOTHING",
                cancellationToken);
            if (claimed == 0)
            {
                return;
            }

            var context = new LinkAccountContext(
                new LinkedAccount(anonymous.User, anonymous.Session),
                new LinkedAccount(newSession.User, newSession.Session),
                httpContext);
            if (Options.OnLinkAccount is { } onLinkAccount)
            {
                await onLinkAccount(context, cancellationToken);
            }

            foreach (var handler in services.GetServices<IAnonymousLinkHandler>())
            {
                await handler.OnLinkAccountAsync(context, cancellationToken);
            }

            if (!Options.DisableDeleteAnonymousUser)
            {
                await db.Users.Where(u => u.Id == anonymous.User.Id).ExecuteDeleteAsync(cancellationToken);
            }

            db.AddToOutbox(new AnonymousAccountLinked(Guid.CreateVersion7(), now, anonymous.User.Id, newSession.User.Id));
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await services.GetRequiredService<SessionStore>().RevokeAllAsync(anonymous.User.Id);
        logger.LogInformation("Linked anonymous user {AnonymousUserId} to user {UserId}", anonymous.User.Id, newSession.User.Id);
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
        if (current is { User.IsAnonymous: true })
        {
            return AuthErrors.BadRequest("ANONYMOUS_USERS_CANNOT_SIGN_IN_AGAIN_ANONYMOUSLY", "Anonymous users cannot sign in again anonymously");
        }

        var id = SecureToken.New();
        var email = await GenerateEmailAsync(options.Value, id, http.RequestAborted);
        if (email is null || !InputValidation.IsEmail(email))
        {
            return AuthErrors.BadRequest("INVALID_EMAIL_FORMAT", "Email was not generated in a valid format");
        }

        var now = AuthEndpoints.TruncatedNow(time);
        var user = new User
        {
            Id = id,
            Name = options.Value.GenerateName?.Invoke() ?? "Anonymous",
            Email = email.ToLowerInvariant(),
            IsAnonymous = true,
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

        var session = await sessions.IssueAsync(http, user, rememberMe: true, current);
        return TypedResults.Json(new TokenUserResponse(session.Session.Token, session.User), AuthJsonContext.Default.TokenUserResponse);
    }

    private static async Task<Results<JsonHttpResult<SuccessResponse>, JsonHttpResult<ApiError>>> DeleteAnonymousUser(
        HttpContext http, SessionIssuer sessions, SessionStore store, AuthCookies cookies, AuthDbContext db,
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

        if (!current.User.IsAnonymous)
        {
            return AuthErrors.Error(StatusCodes.Status403Forbidden, "USER_IS_NOT_ANONYMOUS", "User is not anonymous");
        }

        await using (var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None))
        {
            await db.DeleteWithEventAsync(current.User.Id, AuthEndpoints.TruncatedNow(time), CancellationToken.None);
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
