using System.Text.Encodings.Web;
using System.Text.Unicode;
using AspireAuth.Web.Backends;
using AspireAuth.Web.Infrastructure;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.WebEncoders;

namespace AspireAuth.Web;

internal static class Extensions
{
    public static void AddStorefront(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRazorPages()
            .AddMvcOptions(options => options.Filters.Add<ServiceOutageFilter>());

        // Names and prices render as typed ("×", "é", "…") instead of numeric character references.
        builder.Services.Configure<WebEncoderOptions>(options => options.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));
        builder.Services.AddOptions<StorefrontOptions>().BindConfiguration(StorefrontOptions.SectionName).ValidateDataAnnotations()
            .Validate(StorefrontOptions.IsValid, "Web:PublicOrigin must be an absolute http or https URL.")
            .ValidateOnStart();
        builder.Services.AddOptions<SocialSignInOptions>().BindConfiguration(StorefrontOptions.SectionName)
            .Validate(SocialSignInOptions.IsValid, "Web:SocialProviders maps provider ids (lowercase letters, digits, - and _) to display names.")
            .ValidateOnStart();
        builder.Services.AddHttpContextAccessor();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddScoped<BrowserRelay>();
        builder.Services.AddScoped<VisitorSession>();
        builder.Services.AddScoped<ServiceOutages>();
        builder.Services.AddSingleton<GuestCartTakeover>();
        builder.Services.AddOptions<BackendLivenessOptions>().BindConfiguration(BackendLivenessOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<BackendLiveness>();
        // Liveness probes give one answer within their own short timeout: the pipeline's retries would only delay it.
#pragma warning disable EXTEXP0001 // Marked for evaluation, shipped since Microsoft.Extensions.Http.Resilience 8.x; the way to opt one client out of the defaults.
        builder.Services.AddHttpClient(BackendLiveness.ProbeClientName).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

        builder.Services.AddHttpClient<AuthApiClient>(client => client.BaseAddress = new("https+http://auth-api"))
            .ConfigurePrimaryHttpMessageHandler(WithoutCookieJar);
        builder.Services.AddHttpClient<CartApiClient>(client => client.BaseAddress = new("https+http://cart-api"))
            .ConfigurePrimaryHttpMessageHandler(WithoutCookieJar);

        // Backend-for-frontend: /api/auth/* reaches Auth.Api through the storefront's origin, so Better
        // Auth's session cookie belongs to the storefront and its JavaScript client works unchanged.
        builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
            .AddServiceDiscoveryDestinationResolver();
    }

    public static void UseStorefront(this WebApplication app)
    {
        // The visitor's address and scheme from ForwardedHeaders:KnownProxies only (none by default), before
        // anything reads them: BrowserRelay and the /api/auth proxy pass that address on to Auth.Api.
        app.UseForwardedHeaders();
        app.UseExceptionHandler("/Error");
        // Friendly pages for 404s and the like, but not on the proxied API, whose answers belong to Auth.Api.
        app.UseWhen(context => !context.Request.Path.StartsWithSegments("/api"),
            branch => branch.UseStatusCodePagesWithReExecute("/Error", "?statusCode={0}"));
        app.UseSecurityHeaders();
        app.UseStaticFiles();
        app.UseRouting();
    }

    public static void MapStorefront(this WebApplication app)
    {
        app.MapRazorPages();
        app.MapReverseProxy(proxy => proxy.UseWithOutageAnswer());
    }

    // Every visitor's calls share pooled handlers: a shared cookie jar would hand one visitor's session to another.
    private static SocketsHttpHandler WithoutCookieJar() => new() { UseCookies = false };
}
