using System.Diagnostics;
using System.Text.RegularExpressions;
using AspireAuth.Auth.Api.BetterAuth;
using AspireAuth.Auth.Api.Data;
using AspireAuth.ServiceDefaults.ApiErrors;
using AspireAuth.ServiceDefaults.Hosting;
using AspireAuth.SessionValidation;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OpenIddict.Client.AspNetCore;

namespace AspireAuth.Auth.Api.Social;

/// <summary>
/// Better Auth's social endpoints: <c>/sign-in/social</c> and <c>/link-social</c> start a flow (200 with the provider's
/// URL, as its server answers), <c>/callback/{provider}</c> completes it (GET, or POST for <c>form_post</c>) and
/// redirects, <c>/list-accounts</c> and <c>/unlink-account</c> manage the ways a user signs in.
/// </summary>
internal sealed partial class SocialEndpoints : IAuthPluginEndpoints
{
    public static string CallbackPath(string provider) => $"/api/auth/callback/{provider}";

    public void MapEndpoints(RouteGroupBuilder auth)
    {
        auth.MapPost("/sign-in/social", SignInSocial).DocumentJsonBody<SignInSocialRequest>();
        auth.MapPost("/link-social", LinkSocial).DocumentJsonBody<LinkSocialRequest>();
        // The provider sends the browser back; a form_post callback is a cross-site POST by design, protected by the state.
        auth.MapGet("/callback/{provider}", Callback).AddEndpointFilter(ClearPassedThroughErrorStatus);
        auth.MapPost("/callback/{provider}", Callback).AddEndpointFilter(ClearPassedThroughErrorStatus)
            .WithMetadata(new CrossSiteCallbackMetadata()).ExcludeFromDescription();
        auth.MapGet("/list-accounts", ListAccounts);
        auth.MapPost("/unlink-account", UnlinkAccount).DocumentJsonBody<UnlinkAccountRequest>();
    }

    /// <summary>
    /// OpenIddict passes a refused callback (bad ID token, code or state, the provider's own error) through with a 400
    /// already on the response, and a minimal API with endpoint filters does not run a handler whose response is 400
    /// (it takes that for a failed parameter binding): the browser would get a bare 400 instead of the error redirect.
    /// </summary>
    private static ValueTask<object?> ClearPassedThroughErrorStatus(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        context.HttpContext.Response.StatusCode = StatusCodes.Status200OK;
        return next(context);
    }

    private static async Task<Results<JsonHttpResult<SocialRedirectResponse>, JsonHttpResult<ApiError>>> SignInSocial(
        HttpContext http, JsonBody body, SessionIssuer sessions, OriginGuard originGuard, IOptions<SocialSignInOptions> options,
        ILogger<SocialEndpoints> logger)
    {
        var (request, error) = await body.ReadAsync(http.Request, AuthJsonContext.Default.SignInSocialRequest);
        if (error is not null)
        {
            return error;
        }

        // The session that starts the flow, by cookie or bearer token: a guest's is linked on the callback, wherever that arrives.
        var starting = await sessions.FindCurrentAsync(http.Request);
        var start = new FlowStart(request!.Provider, request.CallbackURL, request.ErrorCallbackURL, request.NewUserCallbackURL,
            request.Scopes, request.LoginHint, request.DisableRedirect ?? false, starting?.Session.Token, LinkToUserId: null);
        return await StartAsync(http, start, originGuard, options.Value, logger);
    }

    private static async Task<Results<JsonHttpResult<SocialRedirectResponse>, JsonHttpResult<ApiError>>> LinkSocial(
        HttpContext http, JsonBody body, SessionIssuer sessions, OriginGuard originGuard, IOptions<SocialSignInOptions> options,
        ILogger<SocialEndpoints> logger)
    {
        if (await sessions.FindCurrentAsync(http.Request) is not { } current)
        {
            return AuthErrors.Unauthorized();
        }

        var (request, error) = await body.ReadAsync(http.Request, AuthJsonContext.Default.LinkSocialRequest);
        if (error is not null)
        {
            return error;
        }

        // A guest has nothing to add an identity to: for a guest, linking is signing in, and the guest is linked to that account.
        var isGuest = current.User.Fields.IsTrue(SessionClaims.IsAnonymousField);
        var start = new FlowStart(request!.Provider, request.CallbackURL, request.ErrorCallbackURL, NewUserCallbackUrl: null,
            request.Scopes, LoginHint: null, request.DisableRedirect ?? false, current.Session.Token, isGuest ? null : current.User.Id);
        return await StartAsync(http, start, originGuard, options.Value, logger);
    }

    private sealed record FlowStart(
        string? Provider, string? CallbackUrl, string? ErrorCallbackUrl, string? NewUserCallbackUrl, List<string>? Scopes, string? LoginHint,
        bool DisableRedirect, string? StartingSessionToken, string? LinkToUserId);

    private static async Task<Results<JsonHttpResult<SocialRedirectResponse>, JsonHttpResult<ApiError>>> StartAsync(
        HttpContext http, FlowStart start, OriginGuard originGuard, SocialSignInOptions options, ILogger logger)
    {
        var validation = new InputValidation()
            .RequiredText("provider", start.Provider, 64)
            .OptionalText("callbackURL", start.CallbackUrl, InputValidation.MaxUrlLength)
            .OptionalText("errorCallbackURL", start.ErrorCallbackUrl, InputValidation.MaxUrlLength)
            .OptionalText("newUserCallbackURL", start.NewUserCallbackUrl, InputValidation.MaxUrlLength)
            .OptionalText("loginHint", start.LoginHint, InputValidation.MaxNameLength);
        if (!validation.IsValid)
        {
            return AuthErrors.Validation(validation.Message);
        }

        if (!options.Providers.TryGetValue(start.Provider!, out var provider))
        {
            return AuthErrors.ProviderNotFound();
        }

        if (!originGuard.IsAllowedRedirect(start.CallbackUrl, http.Request)
            || !originGuard.IsAllowedRedirect(start.ErrorCallbackUrl, http.Request)
            || !originGuard.IsAllowedRedirect(start.NewUserCallbackUrl, http.Request))
        {
            return AuthErrors.InvalidCallbackUrl();
        }

        if (start.Scopes is { } scopes && (scopes.Count > 20 || !scopes.TrueForAll(scope => ScopeToken().IsMatch(scope ?? ""))))
        {
            return AuthErrors.Validation("scopes must be OAuth scope tokens");
        }

        var flow = new SocialFlow(start.Provider!, string.IsNullOrEmpty(start.CallbackUrl) ? "/" : start.CallbackUrl, start.ErrorCallbackUrl,
            start.NewUserCallbackUrl, start.StartingSessionToken, start.LinkToUserId, Activity.Current?.Id);
        var properties = flow.ToProperties();
        if (start.Scopes is { Count: > 0 })
        {
            properties.Items[OpenIddictClientAspNetCoreConstants.Properties.Scope] = string.Join(' ', start.Scopes);
        }

        if (!string.IsNullOrEmpty(start.LoginHint))
        {
            properties.Items[OpenIddictClientAspNetCoreConstants.Properties.LoginHint] = start.LoginHint;
        }

        try
        {
            // OpenIddict stores the state, sets the browser-binding cookie and answers with a redirect to the provider;
            // Better Auth's wire wants that URL as JSON with a 200 (and keeps the location header).
            await http.ChallengeAsync(OpenIddictClientAspNetCoreDefaults.AuthenticationScheme, properties);
        }
        catch (Exception exception) when (!InfrastructureFailure.IsUnavailable(exception) && exception is not OperationCanceledException)
        {
            logger.LogWarning(exception, "Could not start sign-in with {Provider}", start.Provider);
            http.Response.Headers.Remove("Set-Cookie");
            return AuthErrors.ProviderUnavailable(provider.DisplayName ?? start.Provider!);
        }

        http.Response.StatusCode = StatusCodes.Status200OK;
        return TypedResults.Json(new SocialRedirectResponse(http.Response.Headers.Location.ToString(), !start.DisableRedirect),
            AuthJsonContext.Default.SocialRedirectResponse);
    }

    private static async Task<IResult> Callback(
        string provider, HttpContext http, SocialAccounts accounts, IOptions<SocialSignInOptions> options, IOptions<AuthOptions> authOptions,
        ILogger<SocialEndpoints> logger)
    {
        if (!options.Value.Providers.ContainsKey(provider))
        {
            return AuthErrors.ProviderNotFound();
        }

        var result = await http.AuthenticateAsync(OpenIddictClientAspNetCoreDefaults.AuthenticationScheme);
        var flow = SocialFlow.FromCallback(http, result);
        if (flow is null || flow.Provider != provider)
        {
            // Unknown, expired or used state, or a callback in a browser that did not start the flow: nothing is signed in or linked.
            logger.LogInformation("Refused a {Provider} callback whose state is not this browser's: {Error}", provider, ErrorOf(result));
            return TypedResults.Redirect(ErrorPage(authOptions.Value, "state_mismatch"));
        }

        using var activity = flow.StartCallbackActivity();
        if (!result.Succeeded || result.Principal is null)
        {
            var error = ProviderError(result);
            logger.LogInformation("A {Provider} sign-in failed: {Error} {Description}", provider, error, ErrorOf(result));
            return TypedResults.Redirect(WithError(flow.ErrorCallbackUrl ?? ErrorPage(authOptions.Value, null), error));
        }

        if (ProviderIdentity.From(result.Principal) is not { } identity)
        {
            return TypedResults.Redirect(WithError(flow.ErrorCallbackUrl ?? ErrorPage(authOptions.Value, null), "unable_to_get_user_info"));
        }

        var tokens = ProviderTokens.From(result.Properties, result.Principal.FindAll("scope").Select(c => c.Value));
        var outcome = await accounts.CompleteAsync(http, flow, identity, tokens);
        if (outcome.Error is { } refused)
        {
            return TypedResults.Redirect(WithError(flow.ErrorCallbackUrl ?? ErrorPage(authOptions.Value, null), refused));
        }

        return TypedResults.Redirect(outcome.IsNewUser && flow.NewUserCallbackUrl is { } newUser ? newUser : flow.CallbackUrl);
    }

    /// <summary>The provider's own error (e.g. <c>access_denied</c>) as Better Auth passes it on; anything our side refused is a failed code exchange.</summary>
    private static string ProviderError(AuthenticateResult result)
    {
        string? error = null;
        result.Properties?.Items.TryGetValue(OpenIddictClientAspNetCoreConstants.Properties.Error, out error);
        return error switch
        {
            "access_denied" or "login_required" or "consent_required" or "interaction_required" or "temporarily_unavailable" or "server_error" => error,
            _ => "invalid_code",
        };
    }

    private static string? ErrorOf(AuthenticateResult result)
    {
        string? description = null;
        result.Properties?.Items.TryGetValue(OpenIddictClientAspNetCoreConstants.Properties.ErrorDescription, out description);
        return description ?? result.Failure?.Message;
    }

    private static string ErrorPage(AuthOptions options, string? error)
    {
        var page = options.BaseUrl is { } baseUrl ? new Uri(baseUrl, "/api/auth/error").ToString() : "/api/auth/error";
        return error is null ? page : WithError(page, error);
    }

    private static string WithError(string url, string error) => QueryHelpers.AddQueryString(url, "error", error);

    private static async Task<Results<JsonHttpResult<AccountInfo[]>, JsonHttpResult<ApiError>>> ListAccounts(
        HttpContext http, SessionIssuer sessions, AuthDbContext db)
    {
        if (await sessions.FindCurrentAsync(http.Request) is not { } current)
        {
            return AuthErrors.Unauthorized();
        }

        var accounts = await db.Accounts.AsNoTracking()
            .Where(a => a.UserId == current.User.Id)
            .OrderBy(a => a.CreatedAt)
            .ToListAsync(http.RequestAborted);
        return TypedResults.Json(accounts.Select(AccountInfo.From).ToArray(), AuthJsonContext.Default.AccountInfoArray);
    }

    private static async Task<Results<JsonHttpResult<StatusResponse>, JsonHttpResult<ApiError>>> UnlinkAccount(
        HttpContext http, JsonBody body, SessionIssuer sessions, AuthDbContext db)
    {
        if (await sessions.FindCurrentAsync(http.Request) is not { } current)
        {
            return AuthErrors.Unauthorized();
        }

        var (request, error) = await body.ReadAsync(http.Request, AuthJsonContext.Default.UnlinkAccountRequest);
        if (error is not null)
        {
            return error;
        }

        var validation = new InputValidation()
            .RequiredText("providerId", request!.ProviderId, 64)
            .OptionalText("accountId", request.AccountId, 256);
        if (!validation.IsValid)
        {
            return AuthErrors.Validation(validation.Message);
        }

        var userId = current.User.Id;
        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        // Concurrent unlinks of one user queue on the user's row, so the count each sees is the truth: the last way in stays.
        await db.Database.ExecuteSqlAsync($"""SELECT 1 FROM "user" WHERE id = {userId} FOR UPDATE""", CancellationToken.None);
        var accounts = await db.Accounts.Where(a => a.UserId == userId).ToListAsync(CancellationToken.None);
        var target = accounts.FirstOrDefault(a => a.ProviderId == request.ProviderId && (request.AccountId is null || a.AccountId == request.AccountId));
        if (target is null)
        {
            return AuthErrors.AccountNotFound();
        }

        if (accounts.Count <= 1)
        {
            return AuthErrors.FailedToUnlinkLastAccount();
        }

        db.Accounts.Remove(target);
        await db.SaveChangesAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
        return TypedResults.Json(new StatusResponse(true), AuthJsonContext.Default.StatusResponse);
    }

    [GeneratedRegex(@"^[\x21\x23-\x5B\x5D-\x7E]{1,128}$", RegexOptions.CultureInvariant)]
    private static partial Regex ScopeToken();
}

/// <summary>Marks the form_post callback, which the cross-site origin check must let through (the state protects it).</summary>
internal sealed class CrossSiteCallbackMetadata;
