using System.Security.Claims;
using System.Text.Encodings.Web;
using AspireAuth.ServiceDefaults.ApiErrors;
using AspireAuth.SessionValidation.Caching;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAuth.SessionValidation;

public static class SessionServiceCollectionExtensions
{
    /// <summary>
    /// Registers cookie signing and Redis session lookup (<see cref="ISessionReader"/>; the Redis client must be registered
    /// too), through the <see cref="SessionCache"/> when <c>Caching:Enabled</c> is on.
    /// </summary>
    public static IHostApplicationBuilder AddSessionLookup(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<SessionSigningOptions>()
            .BindConfiguration(SessionSigningOptions.SectionName)
            .PostConfigure<IHostEnvironment>((options, environment) =>
            {
                if (string.IsNullOrEmpty(options.Secret) && environment.IsDevelopment())
                {
                    options.Secret = SessionSigningOptions.DevelopmentSecret;
                }
            })
            .Validate(options => options.Secret is { Length: >= SessionSigningOptions.MinimumSecretLength },
                $"Auth:Secret must be at least {SessionSigningOptions.MinimumSecretLength} characters (the AppHost passes its 'auth-secret' parameter).")
            .ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(provider => new SessionCookie(provider.GetRequiredService<IOptions<SessionSigningOptions>>().Value.Secret!));
        services.TryAddSingleton<SessionReader>();
        return builder.AddSessionCaching();
    }

    /// <summary>
    /// Authenticates requests by their Auth.Api session (cookie or bearer), so other services
    /// trust exactly what Auth.Api issued and nothing it has revoked.
    /// </summary>
    public static AuthenticationBuilder AddSessionAuthentication(this IHostApplicationBuilder builder)
    {
        var services = builder.AddSessionLookup().AddRequestSessionCaching(SessionAuthenticationHandler.SchemeName).Services;
        return services.AddAuthentication(SessionAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, SessionAuthenticationHandler>(SessionAuthenticationHandler.SchemeName, null);
    }
}

public static class SessionClaims
{
    public const string UserId = ClaimTypes.NameIdentifier;
    public const string IsAnonymous = "is_anonymous";

    /// <summary>
    /// The anonymous plugin's field of the session's user; an optional field, not a core one: absent
    /// (a session written with the plugin off) it reads as false.
    /// </summary>
    public const string IsAnonymousField = "isAnonymous";
    public const string SessionToken = "session_token";

    public static string GetUserId(this ClaimsPrincipal user) =>
        user.FindFirstValue(UserId) ?? throw new InvalidOperationException("The request is not authenticated.");

    public static bool IsAnonymousUser(this ClaimsPrincipal user) => user.FindFirstValue(IsAnonymous) == "true";
}

internal sealed class SessionAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    SessionCookie cookie,
    [FromKeyedServices(SessionAuthenticationHandler.SchemeName)] ISessionReader sessions)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "BetterAuthSession";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var token = cookie.ReadToken(SessionCookie.ValueIn(Request.Cookies), Request.Headers.Authorization);
        if (token is null)
        {
            return AuthenticateResult.NoResult();
        }

        if (await sessions.FindAsync(token) is not { } found)
        {
            return AuthenticateResult.Fail("The session does not exist or has ended.");
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(SessionClaims.UserId, found.User.Id),
                new Claim(SessionClaims.IsAnonymous, found.User.Fields.IsTrue(SessionClaims.IsAnonymousField) ? "true" : "false"),
                new Claim(SessionClaims.SessionToken, token),
            ],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        await Response.WriteAsJsonAsync(ApiError.Unauthorized, ApiErrorJsonContext.Default.ApiError);
    }
}
