using AspireAuth.AppHost;
using AspireAuth.AppHost.Infrastructure;

var builder = DistributedApplication.CreateBuilder(args);

IInfrastructure infrastructure;
try
{
    infrastructure = builder.AddInfrastructure();
}
catch (InfrastructureUnavailableException exception)
{
    // One line saying what to install, not a stack trace.
    Console.Error.WriteLine($"AspireAuth AppHost cannot start: {exception.Message}");
    return 1;
}

var postgres = infrastructure.AddPostgres("postgres");
var authDb = postgres.AddDatabase("authdb");
var cartDb = postgres.AddDatabase("cartdb");
var redis = infrastructure.AddRedis("redis");

var authSecret = builder.AddParameter("auth-secret",
    new GenerateParameterDefault { MinLength = 48, Special = false }, secret: true, persist: true);

// The coherent caches of sessions and carts: one switch for every service, since a service that caches
// must hear every change the others make (README, "Caching"). Off runs the plain design.
var cachingEnabled = builder.AddParameter("caching-enabled", new OverridableParameterDefault("true"));

// Browsers open the store at Web's public origin and reach Auth.Api through Web (backend-for-frontend): Web
// sends that origin with its calls, and Auth.Api trusts it and bases its cookies on it (https, as under the
// https launch profile: Secure, __Secure- cookies). Under `dotnet run` it is Web's endpoint, which Web's
// configuration below needs: so Web is declared first. Published, it is where the deployment serves Web, which
// only its operator knows: a parameter.
var web = builder.AddProject<Projects.Web>("web");
var publicOrigin = builder.ExecutionContext.IsPublishMode
    ? ReferenceExpression.Create($"{builder.AddParameter("public-origin").WithDescription("Web's public https origin, e.g. https://shop.example.com").Resource}")
    : ReferenceExpression.Create($"{web.GetEndpoint(
        web.Resource.Annotations.OfType<EndpointAnnotation>().Any(endpoint => endpoint.Name == "https") ? "https" : "http")}");

// Operator chores are dashboard commands on each service's internal admin endpoint (README, "Operator commands").
var adminSecret = builder.AddAdminSecret();

var authApi = builder.AddProject<Projects.Auth_Api>("auth-api")
    .WithReference(authDb).WaitFor(authDb)
    .WithReference(redis).WaitFor(redis)
    .WithEnvironment("Auth__Secret", authSecret)
    .WithEnvironment("Caching__Enabled", cachingEnabled)
    .WithEnvironment("Auth__BaseUrl", publicOrigin)
    .WithTrustedProxies(builder)
    .WithHttpHealthCheck("/health")
    .WithPipelineHealthCheck()
    .WithAuthAdminCommands(adminSecret);

var cartApi = builder.AddProject<Projects.Cart_Api>("cart-api")
    .WithReference(cartDb).WaitFor(cartDb)
    .WithReference(redis).WaitFor(redis)
    .WithEnvironment("Auth__Secret", authSecret)
    .WithEnvironment("Caching__Enabled", cachingEnabled)
    .WithHttpHealthCheck("/health")
    .WithPipelineHealthCheck()
    .WithCartAdminCommands(adminSecret);

web
    .WithReference(authApi).WaitFor(authApi)
    .WithReference(cartApi).WaitFor(cartApi)
    .WithEnvironment("Web__PublicOrigin", publicOrigin)
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health");

// Trailhead ID, the development identity provider (README, "Trailhead ID"), under `dotnet run` only: it ships
// seeded passwords, so it never enters the publish manifest. Published, no social provider is configured and
// the sign-in page simply lists none.
if (builder.ExecutionContext.IsRunMode)
{
    const string trailheadClientId = "aspireauth-storefront";
    var trailheadClientSecret = builder.AddParameter("trailhead-client-secret",
        new GenerateParameterDefault { MinLength = 48, Special = false }, secret: true, persist: true);

    var identityProvider = builder.AddProject<Projects.IdentityProvider>("identity-provider")
        .WithEnvironment("Trailhead__Clients__0__ClientId", trailheadClientId)
        .WithEnvironment("Trailhead__Clients__0__ClientSecret", trailheadClientSecret)
        .WithEnvironment("Trailhead__Clients__0__DisplayName", "AspireAuth storefront")
        .WithEnvironment("Trailhead__Clients__0__RedirectUris__0", ReferenceExpression.Create($"{publicOrigin}/api/auth/callback/trailhead"))
        .WithHttpHealthCheck("/health");

    // The issuer is the provider's http URL, the one browsers are sent to as well: OpenIddict names itself after
    // the address a request came on. No WaitFor: Auth.Api starts, and e-mail sign-in works, while Trailhead ID
    // is down; only signing in with it fails.
    authApi
        .WithEnvironment("Auth__Social__Providers__trailhead__DisplayName", "Trailhead ID")
        .WithEnvironment("Auth__Social__Providers__trailhead__Issuer", identityProvider.GetEndpoint("http"))
        .WithEnvironment("Auth__Social__Providers__trailhead__ClientId", trailheadClientId)
        .WithEnvironment("Auth__Social__Providers__trailhead__ClientSecret", trailheadClientSecret)
        .WithEnvironment("Auth__Social__Providers__trailhead__TrustedForLinking", "true");

    web.WithEnvironment("Web__SocialProviders__trailhead", "Trailhead ID");
}

builder.WithProductionTraceSampling();

builder.Build().Run();
return 0;
