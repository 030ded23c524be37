using System.ComponentModel.DataAnnotations;
using AspireAuth.SessionValidation;

namespace AspireAuth.Auth.Api.Anonymous;

/// <summary>
/// The anonymous plugin's options (Better Auth's <c>anonymous({...})</c>). Plain values also
/// bind from <c>Auth:Anonymous</c>; callbacks are set in code.
/// </summary>
public sealed class AnonymousOptions : IValidatableObject
{
    public const string SectionName = "Auth:Anonymous";

    /// <summary>Anonymous e-mails become <c>temp-{id}@{EmailDomainName}</c>; unset: <c>temp@{id}.com</c>.</summary>
    public string? EmailDomainName { get; set; }

    /// <summary>Makes the anonymous e-mail; must return a valid address (else 400 <c>INVALID_EMAIL_FORMAT</c>). Wins over <see cref="EmailDomainName"/>.</summary>
    public Func<string>? GenerateRandomEmail { get; set; }

    /// <summary>The asynchronous form of <see cref="GenerateRandomEmail"/>; set one or the other.</summary>
    public Func<CancellationToken, Task<string>>? GenerateRandomEmailAsync { get; set; }

    /// <summary>Names anonymous users; unset: <c>"Anonymous"</c>.</summary>
    public Func<string>? GenerateName { get; set; }

    /// <summary>
    /// Runs when an anonymous user signs in or up with a real account, before the anonymous user
    /// is deleted. Handlers registered as <see cref="IAnonymousLinkHandler"/> run too.
    /// </summary>
    public Func<LinkAccountContext, CancellationToken, Task>? OnLinkAccount { get; set; }

    /// <summary>Keep the anonymous user after linking, and refuse <c>delete-anonymous-user</c>.</summary>
    public bool DisableDeleteAnonymousUser { get; set; }

    /// <summary>Anonymous users with no live session are deleted once older than this.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan StaleUserAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often the stale-user cleanup runs.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromHours(1);

    [Range(1, 10_000)]
    public int CleanupBatchSize { get; set; } = 200;

    /// <summary>
    /// How often links are checked for guest sessions that were not revoked (the revocation after a
    /// link failed, or the process stopped before it ran); each is revoked again until it succeeds.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan GuestRevocationInterval { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (GenerateRandomEmail is not null && GenerateRandomEmailAsync is not null)
        {
            yield return new ValidationResult("Set GenerateRandomEmail or GenerateRandomEmailAsync, not both.");
        }

        if (EmailDomainName is { } domain && !Uri.CheckHostName(domain).Equals(UriHostNameType.Dns))
        {
            yield return new ValidationResult($"Auth:Anonymous:EmailDomainName '{domain}' is not a domain name.", [nameof(EmailDomainName)]);
        }
    }
}

/// <summary>
/// Bound from <c>Auth:RateLimit:Anonymous</c>: guest sign-in's own fixed window per client, apart from the
/// credential endpoints' budget, so shoppers behind one address do not starve each other of guest sessions
/// and guests cannot use up the sign-in budget.
/// </summary>
public sealed class AnonymousRateLimitOptions
{
    public const string SectionName = "Auth:RateLimit:Anonymous";

    [Range(1, 1_000_000)]
    public int PermitLimit { get; set; } = 60;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>One side of a link: the user and the session it came with.</summary>
public sealed record LinkedAccount(SessionUser User, Session Session);

public sealed record LinkAccountContext(LinkedAccount AnonymousUser, LinkedAccount NewUser, HttpContext HttpContext);

/// <summary>Reacts to an anonymous user linking to a real account; any number may be registered in DI.</summary>
public interface IAnonymousLinkHandler
{
    Task OnLinkAccountAsync(LinkAccountContext context, CancellationToken cancellationToken);
}
