using AspireAuth.Web.Backends;
using AspireAuth.Web.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace AspireAuth.Web.Pages;

/// <summary>One way to sign in to the account, as the account page lists it.</summary>
public sealed record SignInMethod(string ProviderId, string AccountId, string Name);

/// <summary>
/// A signed-in account's name, email and ways to sign in: identity providers can be linked, and any method
/// unlinked while another remains. Needs only Auth.Api; guests and signed-out visitors are sent to sign in.
/// </summary>
[FormsLeaveForIdentityProviders]
public sealed class AccountModel(VisitorSession session, AuthApiClient auth, IOptions<SocialSignInOptions> social) : PageModel
{
    private const string Credential = "credential";

    /// <summary>Null only when Auth.Api could not be asked (the page shows the outage banner).</summary>
    public AuthUser? Member { get; private set; }

    public IReadOnlyList<SignInMethod> Methods { get; private set; } = [];

    /// <summary>Configured identity providers the account has not linked yet.</summary>
    public IReadOnlyList<SocialProvider> Linkable { get; private set; } = [];

    public bool CanUnlink => Methods.Count > 1;

    /// <summary>Why linking, started here, came back with an error.</summary>
    public string? ErrorMessage { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? error, CancellationToken cancellationToken)
    {
        if (await session.GetAsync(cancellationToken) is not { User.IsAnonymous: false } current)
        {
            return RedirectToPage("/SignIn");
        }

        IReadOnlyList<LinkedAccount> accounts;
        try
        {
            accounts = await auth.ListAccountsAsync(cancellationToken);
        }
        catch (ApiErrorException refused) when (refused.StatusCode == StatusCodes.Status401Unauthorized)
        {
            return RedirectToPage("/SignIn");
        }
        catch (ApiErrorException refused)
        {
            Member = current.User;
            ErrorMessage = FriendlyMessages.For(refused);
            return Page();
        }

        Member = current.User;
        Methods = [.. accounts.Select(account => new SignInMethod(account.ProviderId, account.AccountId, NameOf(account.ProviderId)))];
        Linkable = [.. social.Value.Providers.Where(provider => !accounts.Any(account => account.ProviderId == provider.Id))];
        if (!string.IsNullOrEmpty(error))
        {
            ErrorMessage = FriendlyMessages.ForLinkReturn(error);
        }

        return Page();
    }

    /// <summary>Sends the browser to the identity provider to link it; it comes back here either way.</summary>
    public async Task<IActionResult> OnPostLinkAsync(string? provider, CancellationToken cancellationToken)
    {
        if (await session.GetAsync(cancellationToken) is not { User.IsAnonymous: false })
        {
            return RedirectToPage("/SignIn");
        }

        if (social.Value.Find(provider) is not { } chosen)
        {
            TempData.ShowProblem("That sign-in method isn't available.");
            return RedirectToPage();
        }

        try
        {
            var here = Url.Page("/Account")!;
            var redirect = await auth.LinkSocialAsync(chosen.Id, here, here, cancellationToken);
            return Redirect(redirect.Url.AbsoluteUri);
        }
        catch (ApiErrorException error)
        {
            TempData.ShowProblem(FriendlyMessages.ForIdentityProvider(error, chosen));
            return RedirectToPage();
        }
    }

    public async Task<IActionResult> OnPostUnlinkAsync(string providerId, string accountId, CancellationToken cancellationToken)
    {
        if (await session.GetAsync(cancellationToken) is not { User.IsAnonymous: false })
        {
            return RedirectToPage("/SignIn");
        }

        try
        {
            await auth.UnlinkAccountAsync(providerId, accountId, cancellationToken);
            TempData.ShowSuccess($"{NameOf(providerId)} is no longer a way to sign in to your account.");
        }
        catch (ApiErrorException error)
        {
            TempData.ShowProblem(FriendlyMessages.For(error));
        }

        return RedirectToPage();
    }

    private string NameOf(string providerId) =>
        providerId == Credential ? "Email and password" : social.Value.Find(providerId)?.DisplayName ?? providerId;
}
