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

// Browsers open the store at Web's endpoint, its public origin, and reach Auth.Api through Web
// (backend-for-frontend): Web sends that origin with its calls, and Auth.Api trusts it and bases its
// cookies on it (https, as under the https launch profile: Secure, __Secure- cookies). Web's configuration
// below needs the APIs, which need its endpoint: so it is declared first.
var web = builder.AddProject<Projects.Web>("web");
var publicOrigin = web.GetEndpoint(
    web.Resource.Annotations.OfType<EndpointAnnotation>().Any(endpoint => endpoint.Name == "https") ? "https" : "http");

// Web's loopback address is the proxy whose X-Forwarded-For names the visitor (for per-visitor rate limits).
var authApi = builder.AddProject<Projects.Auth_Api>("auth-api")
    .WithReference(authDb).WaitFor(authDb)
    .WithReference(redis).WaitFor(redis)
    .WithEnvironment("Auth__Secret", authSecret)
    .WithEnvironment("Caching__Enabled", cachingEnabled)
    .WithEnvironment("Auth__BaseUrl", publicOrigin)
    .WithEnvironment("Auth__RateLimit__TrustedProxies__0", "127.0.0.1")
    .WithEnvironment("Auth__RateLimit__TrustedProxies__1", "::1")
    .WithHttpHealthCheck("/health");

var cartApi = builder.AddProject<Projects.Cart_Api>("cart-api")
    .WithReference(cartDb).WaitFor(cartDb)
    .WithReference(redis).WaitFor(redis)
    .WithEnvironment("Auth__Secret", authSecret)
    .WithEnvironment("Caching__Enabled", cachingEnabled)
    .WithHttpHealthCheck("/health");

web
    .WithReference(authApi).WaitFor(authApi)
    .WithReference(cartApi).WaitFor(cartApi)
    .WithEnvironment("Web__PublicOrigin", publicOrigin)
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health");

builder.Build().Run();
return 0;
