using AspireAuth.Auth.Api.BetterAuth;
using AspireAuth.Auth.Api.Data;
using AspireAuth.Auth.Api.Outbox;
using AspireAuth.IntegrationEvents;
using AspireAuth.ServiceDefaults.ApiErrors;
using AspireAuth.SessionValidation;
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

    public async Task OnSignInAsync(SignInContext signIn, CancellationToken cancellationToken)
    {
        if (signIn.PreviousSession is not { User.IsAnonymous: true } anonymous
            || signIn.NewSession.User.IsAnonymous
            || anonymous.User.Id == signIn.NewSession.User.Id)
        {
            return;
        }

        var db = signIn.Db;
        var newUserId = signIn.NewSession.User.Id;

        // The claim: of two requests racing with the same anonymous session, one inserts, the other waits for it and links nothing.
        var claimed = await db.Database.ExecuteSqlAsync($"""
            INSERT INTO anonymous_link (anonymous_user_id, new_user_id, linked_at, anonymous_session_token_hash)
            VALUES ({anonymous.User.Id}, {newUserId}, {signIn.Now}, {AnonymousLink.HashToken(anonymous.Session.Token)})
            ON CONFLICT DO NOTHING
            """, cancellationToken);
        if (claimed == 0)
        {
            // Linked already, perhaps by this sign-in's own first attempt: its guest sessions may still live.
            if (await db.AnonymousLinks.AnyAsync(l => l.AnonymousUserId == anonymous.User.Id && l.NewUserId == newUserId, cancellationToken))
            {
                signIn.AfterCommit(_ => RevokeGuestSessionsAsync(signIn.HttpContext, anonymous.User.Id));
            }

            return;
        }

        var context = new LinkAccountContext(new LinkedAccount(anonymous.User, anonymous.Session), new LinkedAccount(signIn.NewSession.User, signIn.NewSession.Session),
            signIn.HttpContext);
        if (Options.OnLinkAccount is { } onLinkAccount)
        {
            await onLinkAccount(context, cancellationToken);
        }

        foreach (var handler in signIn.HttpContext.RequestServices.GetServices<IAnonymousLinkHandler>())
        {
            await handler.OnLinkAccountAsync(context, cancellationToken);
        }

        if (!Options.DisableDeleteAnonymousUser)
        {
            await db.Users.Where(u => u.Id == anonymous.User.Id).ExecuteDeleteAsync(cancellationToken);
        }

        db.AddToOutbox(new AnonymousAccountLinked(Guid.CreateVersion7(), signIn.Now, anonymous.User.Id, newUserId));

        // Revoked right after the commit; if that fails, GuestSessionRevocation retries it from the link's row.
        signIn.AfterCommit(async _ =>
        {
            await RevokeGuestSessionsAsync(signIn.HttpContext, anonymous.User.Id);
            logger.LogInformation("Linked anonymous user {AnonymousUserId} to user {UserId}", anonymous.User.Id, newUserId);
        });
    }

    public Task<bool> IsRetryOfSignUpAsync(SignUpRetry retry, CancellationToken cancellationToken)
    {
        if (retry.PresentedToken is not { } token)
        {
            return Task.FromResult(false);
        }

        var tokenHash = AnonymousLink.HashToken(token);
        return retry.Db.AnonymousLinks.AnyAsync(l => l.NewUserId == retry.ExistingUserId && l.AnonymousSessionTokenHash == tokenHash, cancellationToken);
    }

    private static Task RevokeGuestSessionsAsync(HttpContext httpContext, string anonymousUserId) =>
        httpContext.RequestServices.GetRequiredService<SessionStore>().RevokeAllAsync(anonymousUserId);

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

        var session = await sessions.IssueAsync(http, user, rememberMe: true);
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

        if (!current.User.IsAnonymous)
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
