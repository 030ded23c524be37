using System.Collections.Concurrent;

namespace AspireAuth.Fault.Tests.Workload;

/// <summary>One cart line a guest means to add, and the way it goes in: through Web's storefront page, or straight to Cart.Api.</summary>
internal sealed record PlannedLine(int ProductId, int Quantity, bool ThroughStorefront);

/// <summary>
/// What one guest will do: start in the storefront (Web signs them in as a guest on their first add) or at
/// Auth.Api (bearer token), add 2 to 4 different products, part through each way, then sign up with
/// <see cref="Email"/> from the guest session (through Web's <c>/api/auth</c> if they started there).
/// </summary>
internal sealed record GuestPlan(int Index, string Email, bool StartsInStorefront, IReadOnlyList<PlannedLine> Lines)
{
    public const string Password = "fault-run-password";

    /// <summary>The catalog's product ids (Cart.Api's seed).</summary>
    private const int Products = 12;

    public static IReadOnlyList<GuestPlan> CreateAll(int guests, int seed)
    {
        var random = new Random(seed);
        var run = Guid.NewGuid().ToString("N")[..8];
        return [.. Enumerable.Range(0, guests).Select(index =>
        {
            var startsInStorefront = index % 2 == 0;
            var products = Enumerable.Range(1, Products).OrderBy(_ => random.Next()).Take(random.Next(2, 5)).ToList();
            var lines = products.Select((productId, position) => new PlannedLine(
                productId,
                Quantity: random.Next(1, 6),
                // A storefront guest's first add is what signs them in; after that both ways alternate.
                ThroughStorefront: position == 0 ? startsInStorefront : (position + index) % 2 == 0)).ToList();
            return new GuestPlan(index, $"fault-{run}-{index}@example.com", startsInStorefront, lines);
        })];
    }
}

/// <summary>How a client proves its session: the bearer token, or the signed session cookie a browser holds.</summary>
internal sealed record SessionCredential(string Scheme, string Value)
{
    public const string CookieName = "better-auth.session_token";

    public static SessionCredential Bearer(string token) => new("bearer", token);

    public static SessionCredential Cookie(string signedValue) => new("cookie", signedValue);

    public void ApplyTo(HttpRequestMessage request)
    {
        if (Scheme == "bearer")
        {
            request.Headers.Authorization = new("Bearer", Value);
        }
        else
        {
            request.Headers.Add("Cookie", $"{CookieName}={Value}");
        }
    }

    public override string ToString() => $"{Scheme} {Value[..Math.Min(8, Value.Length)]}…";
}

/// <summary>
/// The client-side ledger: every line each guest intended (recorded before the attempt, so a line that never
/// made it still counts), every guest session each held, and how each sign-up went. The accounts are checked
/// against it after the run.
/// </summary>
internal sealed class CartLedger
{
    private readonly ConcurrentDictionary<int, GuestEntry> _guests = new();

    public GuestEntry Begin(GuestPlan plan) => _guests[plan.Index] = new GuestEntry(plan);

    public IReadOnlyList<GuestEntry> Guests => [.. _guests.Values.OrderBy(guest => guest.Plan.Index)];
}

internal sealed class GuestEntry(GuestPlan plan)
{
    private readonly ConcurrentDictionary<int, int> _intended = new();
    private readonly ConcurrentDictionary<SessionCredential, bool> _guestSessions = new();
    private readonly ConcurrentQueue<string> _notes = new();

    public GuestPlan Plan => plan;

    public IReadOnlyDictionary<int, int> IntendedLines => new SortedDictionary<int, int>(_intended);

    /// <summary>Every guest session this client held; none may authenticate once it signed up.</summary>
    public IReadOnlyList<SessionCredential> GuestSessions => [.. _guestSessions.Keys];

    /// <summary>The client sent its sign-up; from then on none of its guest sessions may authenticate.</summary>
    public bool SignUpAttempted { get; private set; }

    /// <summary>The account's bearer token, from the sign-up answer.</summary>
    public string? AccountToken { get; private set; }

    /// <summary>Why the sign-up did not succeed (status, code and the earlier attempts), or null.</summary>
    public string? SignUpFailure { get; private set; }

    /// <summary>What happened to this guest on the way (retries, lost sessions): context for a failure.</summary>
    public IReadOnlyList<string> Notes => [.. _notes];

    public void Intend(PlannedLine line) => _intended[line.ProductId] = line.Quantity;

    public void HeldGuestSession(SessionCredential credential) => _guestSessions.TryAdd(credential, true);

    public void SigningUp() => SignUpAttempted = true;

    public void SignedUp(string accountToken) => AccountToken = accountToken;

    public void SignUpFailed(string reason) => SignUpFailure = reason;

    public void Note(string note) => _notes.Enqueue(note);
}
