using AspireAuth.AppHost.Infrastructure;

var builder = DistributedApplication.CreateBuilder(args);

var infrastructure = builder.AddInfrastructure();
var postgres = infrastructure.AddPostgres("postgres");
var authDb = postgres.AddDatabase("authdb");
var cartDb = postgres.AddDatabase("cartdb");
var redis = infrastructure.AddRedis("redis");

var authSecret = builder.AddParameter("auth-secret",
    new GenerateParameterDefault { MinLength = 48, Special = false }, secret: true, persist: true);

var authApi = builder.AddProject<Projects.Auth_Api>("auth-api")
    .WithReference(authDb).WaitFor(authDb)
    .WithReference(redis).WaitFor(redis)
    .WithEnvironment("Auth__Secret", authSecret)
    .WithHttpHealthCheck("/health");

var cartApi = builder.AddProject<Projects.Cart_Api>("cart-api")
    .WithReference(cartDb).WaitFor(cartDb)
    .WithReference(redis).WaitFor(redis)
    .WithEnvironment("Auth__Secret", authSecret)
    .WithHttpHealthCheck("/health");

var web = builder.AddProject<Projects.Web>("web")
    .WithReference(authApi).WaitFor(authApi)
    .WithReference(cartApi).WaitFor(cartApi)
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health");

// The browser reaches Auth.Api through Web (backend-for-frontend): Auth.Api trusts Web's origin for
// cookie-carrying POSTs, and Web's loopback address as the proxy whose X-Forwarded-For names the
// visitor (for per-visitor rate limits). Declared here because Web is declared after Auth.Api.
authApi
    .WithEnvironment("Auth__TrustedOrigins__0", web.GetEndpoint("http"))
    .WithEnvironment("Auth__RateLimit__TrustedProxies__0", "127.0.0.1")
    .WithEnvironment("Auth__RateLimit__TrustedProxies__1", "::1");

builder.Build().Run();
