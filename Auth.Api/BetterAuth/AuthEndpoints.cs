using AspireAuth.Auth.Api.Data;
using AspireAuth.ServiceDefaults.ApiErrors;
using AspireAuth.SessionValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.OpenApi;
using Npgsql;

namespace AspireAuth.Auth.Api.BetterAuth;

/// <summary>Better Auth's core endpoints under <c>/api/auth</c>, with the wire format of its server.</summary>
internal static class AuthEndpoints
{
    public static RouteGroupBuilder MapBetterAuth(this IEndpointRouteBuilder app)
    {
        // The registered singletons, not AddEndpointFilter<T>(), which would build a new filter per request.
        var auth = app.MapGroup("/api/auth")
            .WithTags("Auth")
            .AddEndpointFilter(app.ServiceProvider.GetRequiredService<OriginGuard>());
        var rateLimit = app.ServiceProvider.GetRequiredService<RateLimitFilter>();

        auth.MapPost("/sign-up/email", SignUpEmail)
            .WithMetadata(new CredentialEndpointMetadata())
            .AddEndpointFilter(rateLimit)
            .DocumentJsonBody<SignUpEmailRequest>();
        auth.MapPost("/sign-in/email", SignInEmail)
            .WithMetadata(new CredentialEndpointMetadata())
            .AddEndpointFilter(rateLimit)
            .DocumentJsonBody<SignInEmailRequest>();
        auth.MapGet("/get-session", GetSession);
        auth.MapPost("/sign-out", SignOut);
        auth.MapGet("/list-sessions", ListSessions);
        auth.MapPost("/revoke-session", RevokeSession).DocumentJsonBody<RevokeSessionRequest>();
        auth.MapGet("/ok", static () => TypedResults.Json(new OkResponse(true), AuthJsonContext.Default.OkResponse));
        auth.MapGet("/error", ErrorPage);

        foreach (var plugin in app.ServiceProvider.GetServices<IAuthPluginEndpoints>())
        {
            plugin.MapEndpoints(auth);
        }

        // Better Auth answers an unknown path, or a known path with the wrong method, with a bare 404 (not 405).
        auth.Map("/{**unknown}", static () => TypedResults.NotFound()).ExcludeFromDescription();

        return auth;
    }

    /// <summary>
    /// Describes the JSON body in the OpenAPI document only. <c>Accepts&lt;T&gt;()</c> would also route on
    /// Content-Type, so a non-JSON body would fall through to the catch-all 404 instead of getting
    /// <see cref="JsonBody"/>'s 415 <c>UNSUPPORTED_MEDIA_TYPE</c>.
    /// </summary>
    internal static RouteHandlerBuilder DocumentJsonBody<TRequest>(this RouteHandlerBuilder endpoint) =>
        endpoint.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(typeof(TRequest), null, cancellationToken) },
                },
            });

    private static async Task<Results<JsonHttpResult<TokenUserResponse>, JsonHttpResult<ApiError>>> SignUpEmail(
        HttpContext http, JsonBody body, AuthDbContext db, PasswordHasher hasher, SessionIssuer sessions, IEnumerable<IAuthPlugin> plugins,
        OriginGuard originGuard, TimeProvider time)
    {
        var (request, error) = await body.ReadAsync(http.Request, AuthJsonContext.Default.SignUpEmailRequest);
        if (error is not null)
        {
            return error;
        }

        var validation = new InputValidation()
            .RequiredText("name", request!.Name, InputValidation.MaxNameLength)
            .RequiredEmail("email", request.Email)
            .RequiredText("password", request.Password, int.MaxValue)
            .OptionalText("image", request.Image, InputValidation.MaxUrlLength)
            .OptionalText("callbackURL", request.CallbackURL, InputValidation.MaxUrlLength);
        if (!validation.IsValid)
        {
            return AuthErrors.Validation(validation.Message);
        }

        if (!originGuard.IsAllowedRedirect(request.CallbackURL, http.Request))
        {
            return AuthErrors.InvalidCallbackUrl();
        }

        if (request.Password!.Length < PasswordHasher.MinLength)
        {
            return AuthErrors.PasswordTooShort();
        }

        if (request.Password.Length > PasswordHasher.MaxLength)
        {
            return AuthErrors.PasswordTooLong();
        }

        var email = request.Email!.ToLowerInvariant();
        var rememberMe = request.RememberMe ?? true;
        var previousSession = await sessions.FindCurrentAsync(http.Request);
        if (await db.Users.AnyAsync(u => u.Email == email, http.RequestAborted))
        {
            return await ResumeSignUpAsync(http, db, hasher, sessions, plugins, email, request.Password, rememberMe, previousSession);
        }

        var passwordHash = await hasher.HashAsync(request.Password, http.RequestAborted);
        var now = time.TruncatedNow();
        var user = new User
        {
            Id = SecureToken.New(),
            Name = request.Name!,
            Email = email,
            Image = request.Image,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Users.Add(user);
        db.Accounts.Add(new Account
        {
            Id = SecureToken.New(),
            AccountId = user.Id,
            ProviderId = Account.CredentialProvider,
            UserId = user.Id,
            Password = passwordHash,
            CreatedAt = now,
            UpdatedAt = now,
        });

        SessionWithUser session;
        try
        {
            session = await sessions.SignInAsync(http, user, rememberMe, previousSession);
        }
        catch (DbUpdateException exception) when (exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Lost a race with a concurrent sign-up for the same address (perhaps this one's own retry).
            db.ChangeTracker.Clear();
            return await ResumeSignUpAsync(http, db, hasher, sessions, plugins, email, request.Password, rememberMe, previousSession);
        }

        return TypedResults.Json(new TokenUserResponse(session.Session.Token, session.User), AuthJsonContext.Default.TokenUserResponse);
    }

    /// <summary>
    /// A sign-up for an address that already has an account: <c>USER_ALREADY_EXISTS</c>, unless a plugin
    /// recognises the retry of the sign-up that created it (cut off after it committed) and the password
    /// matches — then it is answered as that sign-up would have been, so a client's retry is safe.
    /// </summary>
    private static async Task<Results<JsonHttpResult<TokenUserResponse>, JsonHttpResult<ApiError>>> ResumeSignUpAsync(
        HttpContext http, AuthDbContext db, PasswordHasher hasher, SessionIssuer sessions, IEnumerable<IAuthPlugin> plugins,
        string email, string password, bool rememberMe, SessionWithUser? previousSession)
    {
        var existing = await FindWithPasswordHashAsync(db, email, http.RequestAborted);
        if (existing is null)
        {
            return AuthErrors.UserAlreadyExists();
        }

        var retry = new SignUpRetry(http, db, existing.User.Id, sessions.PresentedToken(http.Request));
        var recognised = false;
        foreach (var plugin in plugins)
        {
            recognised = recognised || await plugin.IsRetryOfSignUpAsync(retry, http.RequestAborted);
        }

        if (!recognised || !await hasher.VerifyAsync(password, existing.PasswordHash, http.RequestAborted))
        {
            return AuthErrors.UserAlreadyExists();
        }

        var session = await sessions.SignInAsync(http, existing.User, rememberMe, previousSession);
        return TypedResults.Json(new TokenUserResponse(session.Session.Token, session.User), AuthJsonContext.Default.TokenUserResponse);
    }

    private static Task<UserWithPasswordHash?> FindWithPasswordHashAsync(AuthDbContext db, string email, CancellationToken cancellationToken) =>
        db.Users
            .Where(u => u.Email == email)
            .Select(u => new UserWithPasswordHash(
                u,
                db.Accounts
                    .Where(a => a.UserId == u.Id && a.ProviderId == Account.CredentialProvider)
                    .Select(a => a.Password)
                    .FirstOrDefault()))
            .FirstOrDefaultAsync(cancellationToken);

    private sealed record UserWithPasswordHash(User User, string? PasswordHash);

    private static async Task<Results<JsonHttpResult<SignInEmailResponse>, JsonHttpResult<ApiError>>> SignInEmail(
        HttpContext http, JsonBody body, AuthDbContext db, PasswordHasher hasher, SessionIssuer sessions, OriginGuard originGuard,
        FailedSignInLimiter failedSignIns)
    {
        var (request, error) = await body.ReadAsync(http.Request, AuthJsonContext.Default.SignInEmailRequest);
        if (error is not null)
        {
            return error;
        }

        var validation = new InputValidation()
            .RequiredEmail("email", request!.Email)
            .RequiredText("password", request.Password, int.MaxValue)
            .OptionalText("callbackURL", request.CallbackURL, InputValidation.MaxUrlLength);
        if (!validation.IsValid)
        {
            return AuthErrors.Validation(validation.Message);
        }

        if (!originGuard.IsAllowedRedirect(request.CallbackURL, http.Request))
        {
            return AuthErrors.InvalidCallbackUrl();
        }

        if (request.Password!.Length > PasswordHasher.MaxLength)
        {
            return AuthErrors.InvalidEmailOrPassword();
        }

        var email = request.Email!.ToLowerInvariant();
        if (await failedSignIns.BeginAsync(http, email) is { } lockedOut)
        {
            return lockedOut;
        }

        var candidate = await FindWithPasswordHashAsync(db, email, http.RequestAborted);
        if (!await hasher.VerifyAsync(request.Password, candidate?.PasswordHash, http.RequestAborted))
        {
            return AuthErrors.InvalidEmailOrPassword();
        }

        await failedSignIns.SucceededAsync(email);
        var previousSession = await sessions.FindCurrentAsync(http.Request);
        var session = await sessions.SignInAsync(http, candidate!.User, request.RememberMe ?? true, previousSession);
        return TypedResults.Json(new SignInEmailResponse(false, session.Session.Token, session.User), AuthJsonContext.Default.SignInEmailResponse);
    }

    /// <summary>Better Auth's error page, where a redirect lands when it has nowhere better to go (an unknown state, say).</summary>
    private static ContentHttpResult ErrorPage(string? error)
    {
        var code = System.Net.WebUtility.HtmlEncode(string.IsNullOrEmpty(error) ? "unknown" : error[..Math.Min(error.Length, 64)]);
        return TypedResults.Content($"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Sign-in error</title></head>
            <body><h1>Sign-in could not be completed</h1><p>Error: <code>{code}</code></p>
            <p>Start again from the page you signed in from.</p></body></html>
            """, "text/html; charset=utf-8");
    }

    private static async Task<IResult> GetSession(HttpContext http, AuthCookies cookies, SessionStore store)
    {
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers.Pragma = "no-cache";

        var token = cookies.ReadToken(http.Request);
        var found = token is null ? null : await store.FindWithJsonAsync(token);
        if (found is null)
        {
            if (token is not null && cookies.HasSignedSessionCookie(http.Request))
            {
                cookies.Clear(http.Response);
            }

            return TypedResults.Text("null", "application/json");
        }

        if (!cookies.HasDontRememberCookie(http.Request) && await store.RefreshIfDueAsync(found.Value) is { } refreshed)
        {
            cookies.SetSession(http.Response, refreshed.Session, rememberMe: true);
            return TypedResults.Json(refreshed, AuthJsonContext.Default.SessionWithUser);
        }

        return found.Json;
    }

    private static async Task<Results<JsonHttpResult<SuccessResponse>, JsonHttpResult<ApiError>>> SignOut(
        HttpContext http, JsonBody body, AuthCookies cookies, SessionStore store)
    {
        // Takes no fields, but a body that is not a JSON object is refused like anywhere else, not ignored.
        var (_, error) = await body.ReadAsync(http.Request, AuthJsonContext.Default.EmptyRequest, whenEmpty: new EmptyRequest());
        if (error is not null)
        {
            return error;
        }

        if (cookies.ReadToken(http.Request) is { } token && await store.FindAsync(token) is { } found)
        {
            await store.DeleteAsync(found.Session);
        }

        cookies.Clear(http.Response);
        return TypedResults.Json(new SuccessResponse(true), AuthJsonContext.Default.SuccessResponse);
    }

    private static async Task<Results<JsonHttpResult<Session[]>, JsonHttpResult<ApiError>>> ListSessions(
        HttpContext http, SessionIssuer sessions, SessionStore store)
    {
        if (await sessions.FindCurrentAsync(http.Request) is not { } current)
        {
            return AuthErrors.Unauthorized();
        }

        var list = await store.ListAsync(current.User.Id);
        return TypedResults.Json(list.ToArray(), AuthJsonContext.Default.SessionArray);
    }

    private static async Task<Results<JsonHttpResult<StatusResponse>, JsonHttpResult<ApiError>>> RevokeSession(
        HttpContext http, JsonBody body, SessionIssuer sessions, SessionStore store)
    {
        if (await sessions.FindCurrentAsync(http.Request) is not { } current)
        {
            return AuthErrors.Unauthorized();
        }

        var (request, error) = await body.ReadAsync(http.Request, AuthJsonContext.Default.RevokeSessionRequest);
        if (error is not null)
        {
            return error;
        }

        var validation = new InputValidation().RequiredText("token", request!.Token, 256);
        if (!validation.IsValid)
        {
            return AuthErrors.Validation(validation.Message);
        }

        // Only the caller's own sessions can be revoked; anything else (a string that is no token at all
        // included: the reader never looks one up) is reported as done without effect.
        if (await store.FindAsync(request.Token!) is { } target && target.User.Id == current.User.Id)
        {
            await store.DeleteAsync(target.Session);
        }

        return TypedResults.Json(new StatusResponse(true), AuthJsonContext.Default.StatusResponse);
    }
}
