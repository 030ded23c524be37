using AspireAuth.Auth.Api.BetterAuth;
using AspireAuth.Auth.Api.Data;
using AspireAuth.SessionValidation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace AspireAuth.Auth.Api.Social;

/// <summary>How a completed social sign-in ended: signed in (perhaps as a new user), linked to the signed-in user, or refused with a Better Auth error code.</summary>
internal sealed record SocialOutcome(string? Error, bool IsNewUser = false)
{
    public static SocialOutcome Refused(string error) => new(error);
}

/// <summary>
/// Turns a provider identity into a signed-in user, with the account rules of <see cref="SocialProviderOptions.TrustedForLinking"/>.
/// The sign-in goes through <see cref="SessionIssuer"/> with the session that started the flow as the previous
/// session, so a guest is linked on the callback exactly as on an e-mail sign-in: in the account's transaction.
/// </summary>
internal sealed class SocialAccounts(
    AuthDbContext db, SessionIssuer sessions, SessionStore store, IOptions<SocialSignInOptions> options, TimeProvider time, ILogger<SocialAccounts> logger)
{
    public const string AccountNotLinked = "account_not_linked";
    public const string AlreadyLinkedToDifferentUser = "account_already_linked_to_different_user";
    public const string EmailNotFound = "email_not_found";

    public async Task<SocialOutcome> CompleteAsync(HttpContext http, SocialFlow flow, ProviderIdentity identity, ProviderTokens tokens)
    {
        var startingSession = flow.StartingSessionToken is { } token ? await store.FindAsync(token) : null;

        // Two callbacks racing for one new identity (or one address): the loser finds the winner's rows on its second try.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await CompleteOnceAsync(http, flow, identity, tokens, startingSession);
            }
            catch (DbUpdateException exception) when (attempt == 1 && exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    private async Task<SocialOutcome> CompleteOnceAsync(
        HttpContext http, SocialFlow flow, ProviderIdentity identity, ProviderTokens tokens, SessionWithUser? startingSession)
    {
        var now = time.TruncatedNow();
        var linked = await db.Accounts.FirstOrDefaultAsync(a => a.ProviderId == flow.Provider && a.AccountId == identity.Subject);
        if (linked is not null)
        {
            if (flow.LinkToUserId is { } target && linked.UserId != target)
            {
                return SocialOutcome.Refused(AlreadyLinkedToDifferentUser);
            }

            linked.StoreTokens(tokens, now);
            if (flow.LinkToUserId is not null)
            {
                await db.SaveChangesAsync(CancellationToken.None);
                return new SocialOutcome(null);
            }

            var owner = await db.Users.FirstAsync(u => u.Id == linked.UserId);
            await sessions.SignInAsync(http, owner, rememberMe: true, startingSession);
            return new SocialOutcome(null);
        }

        if (flow.LinkToUserId is { } userId)
        {
            db.Accounts.Add(NewAccount(userId, flow.Provider, identity, tokens, now));
            await db.SaveChangesAsync(CancellationToken.None);
            logger.LogInformation("Linked {Provider} to user {UserId}", flow.Provider, userId);
            return new SocialOutcome(null);
        }

        if (identity.Email is not { } email)
        {
            return SocialOutcome.Refused(EmailNotFound);
        }

        var existing = await db.Users.FirstOrDefaultAsync(u => u.Email == email);
        if (existing is not null)
        {
            // No pre-account takeover: both sides must have proven the address, and the provider must be trusted to say so.
            var provider = options.Value.Providers[flow.Provider];
            if (!identity.EmailVerified || !provider.TrustedForLinking || !existing.EmailVerified)
            {
                return SocialOutcome.Refused(AccountNotLinked);
            }

            db.Accounts.Add(NewAccount(existing.Id, flow.Provider, identity, tokens, now));
            await sessions.SignInAsync(http, existing, rememberMe: true, startingSession);
            return new SocialOutcome(null);
        }

        var user = new User
        {
            Id = SecureToken.New(),
            Name = string.IsNullOrWhiteSpace(identity.Name) ? email : identity.Name,
            Email = email,
            EmailVerified = identity.EmailVerified,
            Image = identity.Picture,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Users.Add(user);
        db.Accounts.Add(NewAccount(user.Id, flow.Provider, identity, tokens, now));
        await sessions.SignInAsync(http, user, rememberMe: true, startingSession);
        return new SocialOutcome(null, IsNewUser: true);
    }

    private static Account NewAccount(string userId, string provider, ProviderIdentity identity, ProviderTokens tokens, DateTime now)
    {
        var account = new Account
        {
            Id = SecureToken.New(),
            AccountId = identity.Subject,
            ProviderId = provider,
            UserId = userId,
            CreatedAt = now,
            UpdatedAt = now,
        };
        account.StoreTokens(tokens, now);
        return account;
    }
}

internal static class AccountTokens
{
    public static void StoreTokens(this Account account, ProviderTokens tokens, DateTime now)
    {
        account.AccessToken = tokens.AccessToken;
        account.AccessTokenExpiresAt = tokens.AccessTokenExpiresAt;
        account.RefreshToken = tokens.RefreshToken ?? account.RefreshToken;
        account.IdToken = tokens.IdToken;
        account.Scope = tokens.Scope;
        account.UpdatedAt = now;
    }
}
