using AspireAuth.Auth.Api.BetterAuth;
using AspireAuth.Auth.Api.Data;
using AspireAuth.Auth.Api.Outbox;
using AspireAuth.IntegrationEvents;
using AspireAuth.SessionValidation;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.Extensions.Options;

namespace AspireAuth.Auth.Api.Anonymous;

/// <summary>
/// Better Auth's anonymous plugin: guests sign in without personal data, and when a guest
/// signs in or up for real, the guest is linked to that account — exactly once, announced by
/// a durable <see cref="AnonymousAccountLinked"/> event.
/// </summary>
/// <remarks>Scoped, like every <see cref="IAuthPlugin"/>: the link handlers it calls are the request's.</remarks>
internal sealed class AnonymousPlugin(
    IOptions<AnonymousOptions> options, SessionStore store, IEnumerable<IAnonymousLinkHandler> linkHandlers, ILogger<AnonymousPlugin> logger)
    : IAuthPlugin
{
    private AnonymousOptions Options => options.Value;

    public UserFields AddUserFields(EntityEntry<User> user, UserFields fields) =>
        fields.WithIsAnonymous(user.Property<bool>(AnonymousModel.IsAnonymous).CurrentValue);

    public async Task OnSignInAsync(SignInContext signIn, CancellationToken cancellationToken)
    {
        if (signIn.PreviousSession is not { } anonymous
            || !anonymous.User.IsAnonymous()
            || signIn.NewSession.User.IsAnonymous()
            || anonymous.User.Id == signIn.NewSession.User.Id)
        {
            return;
        }

        var db = signIn.Db;
        var newUserId = signIn.NewSession.User.Id;

        // The claim: of two requests racing with the same anonymous session, one inserts, the other waits for it and links nothing.
        var claimed = await db.Database.ExecuteSqlAsync($"""
            INSERT INTO anonymous_link (anonymous_user_id, new_user_id, linked_at, anonymous_session_token_hash)
            VALUES ({anonymous.User.Id}, {newUserId}, {signIn.Now}, {AnonymousLink.HashToken(anonymous.Session.Token)})
            ON CONFLICT DO NOTHING
            """, cancellationToken);
        if (claimed == 0)
        {
            // Linked already, perhaps by this sign-in's own first attempt: its guest sessions may still live.
            if (await db.AnonymousLinks().AnyAsync(l => l.AnonymousUserId == anonymous.User.Id && l.NewUserId == newUserId, cancellationToken))
            {
                signIn.AfterCommit(_ => store.RevokeAllAsync(anonymous.User.Id));
            }

            return;
        }

        var context = new LinkAccountContext(new LinkedAccount(anonymous.User, anonymous.Session), new LinkedAccount(signIn.NewSession.User, signIn.NewSession.Session),
            signIn.HttpContext);
        if (Options.OnLinkAccount is { } onLinkAccount)
        {
            await onLinkAccount(context, cancellationToken);
        }

        foreach (var handler in linkHandlers)
        {
            await handler.OnLinkAccountAsync(context, cancellationToken);
        }

        if (!Options.DisableDeleteAnonymousUser)
        {
            await db.Users.Where(u => u.Id == anonymous.User.Id).ExecuteDeleteAsync(cancellationToken);
        }

        db.AddToOutbox(new AnonymousAccountLinked(Guid.CreateVersion7(), signIn.Now, anonymous.User.Id, newUserId));

        // Revoked right after the commit; if that fails, GuestSessionRevocation retries it from the link's row.
        signIn.AfterCommit(async _ =>
        {
            await store.RevokeAllAsync(anonymous.User.Id);
            logger.LogInformation("Linked anonymous user {AnonymousUserId} to user {UserId}", anonymous.User.Id, newUserId);
        });
    }

    public Task<bool> IsRetryOfSignUpAsync(SignUpRetry retry, CancellationToken cancellationToken)
    {
        if (retry.PresentedToken is not { } token)
        {
            return Task.FromResult(false);
        }

        var tokenHash = AnonymousLink.HashToken(token);
        return retry.Db.AnonymousLinks().AnyAsync(l => l.NewUserId == retry.ExistingUserId && l.AnonymousSessionTokenHash == tokenHash, cancellationToken);
    }
}
