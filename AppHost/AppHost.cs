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

// The browser reaches Auth.Api through Web (backend-for-frontend), so Web's origin is the one
// Auth.Api must trust for cookie-carrying POSTs. Declared here because Web is declared after Auth.Api.
authApi.WithEnvironment("Auth__TrustedOrigins__0", web.GetEndpoint("http"));

builder.Build().Run();
