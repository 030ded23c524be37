using System.Text.Json.Serialization;
using AspireAuth.Cart.Api.Caching;
using AspireAuth.Cart.Api.Carts;
using AspireAuth.Cart.Api.Catalog;
using AspireAuth.Cart.Api.Data;
using AspireAuth.Cart.Api.Linking;
using AspireAuth.EventBus;
using AspireAuth.IntegrationEvents;
using AspireAuth.ServiceDefaults.Admin;
using AspireAuth.ServiceDefaults.ApiErrors;
using AspireAuth.ServiceDefaults.Data;
using AspireAuth.SessionValidation;
using Microsoft.AspNetCore.OpenApi;

namespace AspireAuth.Cart.Api;

internal static class Extensions
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDbContext<CartDbContext>("cartdb");
        builder.AddServiceRedisClient("redis");

        builder.AddSessionAuthentication();
        builder.Services.AddAuthorization();
        builder.Services.AddApiErrors();
        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.TypeInfoResolverChain.Insert(0, CartJsonContext.Default);
            // Only the request's own fields, once each, numbers as numbers: a body is read one way only,
            // and every byte of it is checked (an unknown field's string would not be, invalid UTF-8 included).
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            options.SerializerOptions.AllowDuplicateProperties = false;
            options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        });
        builder.Services.AddOpenApi(options =>
            // The takeover's status kept the schema name it was published under, so clients generated from the
            // document do not change with the vocabulary (README, "Glossary").
            options.CreateSchemaReferenceId = type => type.Type == typeof(TakeoverStatusResponse)
                ? "MergeStatusResponse"
                : OpenApiOptions.CreateDefaultSchemaReferenceId(type));

        builder.AddCartReadsAndChanges();
        builder.Services.AddScoped<CartStore>();
        builder.Services.AddScoped<Inbox>();
        builder.Services.AddEventConsumer("cart-api")
            .Handle<AnonymousAccountLinked, AnonymousAccountLinkedHandler>()
            .Handle<AnonymousUserDeleted, AnonymousUserDeletedHandler>();
        builder.Services.AddHostedService<InboxCleanup>();
        builder.AddAdminEndpoints();
    }

    public static void MapCartServiceApi(this WebApplication app)
    {
        app.UseApiErrors();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi();
        app.MapCatalogApi();
        app.MapCartApi();
        app.MapAdminGroup()?.MapDeadLetterReplay();
    }
}
