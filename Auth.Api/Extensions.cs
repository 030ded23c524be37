using AspireAuth.Auth.Api.Admin;
using AspireAuth.Auth.Api.Anonymous;
using AspireAuth.Auth.Api.BetterAuth;
using AspireAuth.Auth.Api.Data;
using AspireAuth.Auth.Api.Outbox;
using AspireAuth.Auth.Api.Social;
using AspireAuth.EventBus;
using AspireAuth.ServiceDefaults.Admin;
using AspireAuth.ServiceDefaults.ApiErrors;
using AspireAuth.ServiceDefaults.Data;
using AspireAuth.ServiceDefaults.Hosting;
using Scalar.AspNetCore;

namespace AspireAuth.Auth.Api;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder) =>
        builder.AddAuthApi().AddAnonymous().AddSocialSignIn();

    /// <summary>Auth.Api with Better Auth's core only; plugins are switched on with the returned builder.</summary>
    public static BetterAuthBuilder AddAuthApi(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDbContext<AuthDbContext>("authdb");
        builder.AddServiceRedisClient("redis");
        // Better Auth's bare 404s stay bare: only thrown exceptions become JSON (503 when Redis or PostgreSQL is down).
        builder.Services.AddApiExceptionHandler();
        builder.Services.AddOpenApi();

        builder.Services.AddEventPublisher();
        builder.Services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddResilientLoops().AddHostedService<OutboxRelay>();
        builder.AddAdminEndpoints();
        builder.Services.AddPipelineHealthOptions();
        builder.Services.AddSingleton<OutboxBacklogObserver>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<OutboxBacklogObserver>());
        builder.Services.AddHealthChecks()
            .AddPipelineCheck<OutboxBacklogObserver>(OutboxBacklogObserver.CheckName, observer => observer.CheckAsync());
        return builder.AddBetterAuth();
    }

    public static void MapAuthApi(this WebApplication app)
    {
        app.UseApiExceptionHandler();
        app.MapBetterAuth();
        app.MapOpenApi();
        app.MapAdminGroup()?.MapAuthAdminEndpoints();
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference();
        }
    }
}
