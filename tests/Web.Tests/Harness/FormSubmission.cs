using System.Text.RegularExpressions;

namespace AspireAuth.Web.Tests.Harness;

/// <summary>Submits a page's form as a browser does: loads the page first for its anti-forgery token and cookie.</summary>
public static partial class FormSubmission
{
    public static async Task<HttpResponseMessage> SubmitFormAsync(this HttpClient browser, string page, IReadOnlyDictionary<string, string> fields, string? handler = null)
    {
        using var form = await browser.GetAsync(new Uri(page, UriKind.Relative));
        var html = await form.Content.ReadAsStringAsync();
        var token = AntiforgeryToken().Match(html);
        Assert.True(token.Success, $"{page} has no anti-forgery token:\n{html}");

        using var content = new FormUrlEncodedContent(fields.Append(new("__RequestVerificationToken", token.Groups[1].Value)));
        var target = handler is null ? page : $"{page}?handler={handler}";
        return await browser.PostAsync(new Uri(target, UriKind.Relative), content);
    }

    public static async Task<string> FollowAsync(this HttpClient browser, HttpResponseMessage redirect)
    {
        Assert.True((int)redirect.StatusCode is >= 300 and < 400, $"expected a redirect, got {(int)redirect.StatusCode}:\n{await redirect.Content.ReadAsStringAsync()}");
        return await browser.GetStringAsync(redirect.Headers.Location);
    }

    [GeneratedRegex("""name="__RequestVerificationToken" type="hidden" value="([^"]+)""")]
    private static partial Regex AntiforgeryToken();
}
