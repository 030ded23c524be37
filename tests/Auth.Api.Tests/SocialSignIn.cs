using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;

namespace AspireAuth.Auth.Api.Tests;

/// <summary>A started social sign-in as the browser holds it: the provider URL and the state cookie OpenIddict set.</summary>
public sealed record StartedSocialSignIn(Reply Reply, string Url, string StateCookieName, string StateCookieValue)
{
    public IReadOnlyDictionary<string, string> UrlQuery =>
        QueryHelpers.ParseQuery(new Uri(Url).Query).ToDictionary(p => p.Key, p => p.Value.ToString());
}

/// <summary>Drives Auth.Api's social sign-in as a browser would, with a <see cref="StubOpenIdProvider"/> as the provider.</summary>
internal static class SocialSignIn
{
    public const string BaseUrl = AuthHttp.OwnOrigin;
    public const string CallbackUrl = "/after";
    public const string ErrorCallbackUrl = "/oops";
    public const string StateCookiePrefix = "better-auth.state.";

    /// <summary>Auth.Api's settings for social sign-in with the given providers' settings.</summary>
    public static Dictionary<string, string?> Settings(params Dictionary<string, string?>[] providers)
    {
        var settings = new Dictionary<string, string?> { ["Auth:BaseUrl"] = BaseUrl };
        foreach (var (key, value) in providers.SelectMany(p => p))
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>POSTs <c>/sign-in/social</c> and, like a browser, keeps the state cookie the answer sets.</summary>
    public static async Task<StartedSocialSignIn> StartSocialSignInAsync(
        this AuthHttp browser, string provider, string path = "/sign-in/social", Action<HttpRequestMessage>? configure = null, string? newUserCallbackUrl = null)
    {
        var body = new Dictionary<string, string> { ["provider"] = provider, ["callbackURL"] = CallbackUrl, ["errorCallbackURL"] = ErrorCallbackUrl };
        if (newUserCallbackUrl is not null)
        {
            body["newUserCallbackURL"] = newUserCallbackUrl;
        }

        var reply = await browser.PostAsync(path, JsonSerializer.Serialize(body), configure: configure);
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        var url = reply.Json.GetProperty("url").GetString()!;
        var stateCookie = Assert.Single(reply.SetCookies, cookie => cookie.StartsWith(StateCookiePrefix, StringComparison.Ordinal));
        var nameValue = stateCookie.Split(';')[0].Split('=', 2);
        browser.OtherCookies[nameValue[0]] = nameValue[1];
        return new StartedSocialSignIn(reply, url, nameValue[0], nameValue[1]);
    }

    /// <summary>Follows the provider's redirect back to Auth.Api's callback (a path and query under <c>/api/auth</c>).</summary>
    public static Task<Reply> CompleteCallbackAsync(this AuthHttp browser, string callbackPathAndQuery)
    {
        const string prefix = "/api/auth";
        Assert.StartsWith(prefix + "/callback/", callbackPathAndQuery, StringComparison.Ordinal);
        return browser.GetAsync(callbackPathAndQuery[prefix.Length..]);
    }

    /// <summary>The callback's redirect target, from its <c>location</c> header.</summary>
    public static string Location(this Reply reply)
    {
        Assert.True(reply.Status == HttpStatusCode.Redirect, $"Expected a redirect, got {(int)reply.Status}: {reply.Body}");
        return reply.Headers["location"];
    }

    /// <summary>A browser that holds nothing but the state cookie of <paramref name="flow"/> (e.g. one that lost the guest cookie).</summary>
    public static AuthHttp WithOnlyStateCookie(this AuthHttp browser, StartedSocialSignIn flow)
    {
        var other = new AuthHttp(browser.Http);
        other.OtherCookies[flow.StateCookieName] = flow.StateCookieValue;
        return other;
    }
}
