using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using AspireAuth.Fault.Tests.Faults;
using AspireAuth.Fault.Tests.Workload;

namespace AspireAuth.Fault.Tests.Verification;

/// <summary>The run's verdict, in the one line the README quotes.</summary>
internal sealed record FaultRunSummary(int Merged, int Missing, int Doubled, int FailedSignUps, int StaleSessions, long DeadLetters, int UnexpectedExits)
{
    public static FaultRunSummary Clean(int guests) => new(guests, 0, 0, 0, 0, 0, 0);

    public override string ToString() =>
        $"merged = {Merged}, missing {Missing}, doubled {Doubled}, failed sign-ups {FailedSignUps}, stale sessions {StaleSessions}, dead letters {DeadLetters}, unexpected exits {UnexpectedExits}";
}

/// <summary>The summary, the resources that did not end healthy, and a report that explains every count that is not clean.</summary>
internal sealed record FaultRunResult(FaultRunSummary Summary, IReadOnlyList<string> Unhealthy, string Report);

/// <summary>
/// After the faults: waits (bounded, on the condition) until every account holds its guest's cart, then checks,
/// per the ledger, each account's lines (missing, doubled), each sign-up, that no guest session authenticates at
/// Auth.Api or Cart.Api, the dead-letter stream, the exits and every resource's health.
/// </summary>
internal sealed class RunVerifier(DistributedApplication app, StoreEndpoints store, HttpClient http, RunLog log)
{
    /// <summary>Covers Cart.Api's claim of entries a killed consumer held (30 s idle) and the relay's longest backoff (30 s).</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(90);

    private static readonly TimeSpan HealthTimeout = TimeSpan.FromMinutes(2);

    public async Task<FaultRunResult> VerifyAsync(CartLedger ledger, ResourceWatch watch, CancellationToken cancellationToken)
    {
        var report = new StringBuilder();
        var unhealthy = await UnhealthyResourcesAsync(cancellationToken);
        var guests = ledger.Guests;
        var accounts = await AccountTokensAsync(guests, cancellationToken);
        var carts = await WaitForCartsAsync(guests, accounts, cancellationToken);

        int merged = 0, missing = 0, doubled = 0;
        foreach (var guest in guests)
        {
            var intended = guest.IntendedLines;
            var actual = carts.GetValueOrDefault(guest.Plan.Index);
            var guestMissing = intended.Count(line => (actual?.GetValueOrDefault(line.Key) ?? 0) < line.Value);
            var guestDoubled = actual?.Count(line => line.Value > intended.GetValueOrDefault(line.Key)) ?? 0;
            missing += guestMissing;
            doubled += guestDoubled;
            if (actual is not null && guestMissing == 0 && guestDoubled == 0)
            {
                merged++;
            }
            else
            {
                report.AppendLine($"guest {guest.Plan.Index} ({Describe(guest)}): intended {CartLines.Format(intended)}; account holds {CartLines.Format(actual)}");
            }
        }

        var failedSignUps = guests.Where(guest => guest.AccountToken is null).ToList();
        foreach (var guest in failedSignUps)
        {
            report.AppendLine($"guest {guest.Plan.Index} ({Describe(guest)}): sign-up failed: {guest.SignUpFailure}");
        }

        var stale = await StaleGuestSessionsAsync(guests, cancellationToken);
        report.Append(string.Concat(stale.Select(line => line + Environment.NewLine)));

        var (deadLetters, samples) = await new LinkPipeline(app).DeadLettersAsync();
        report.Append(string.Concat(samples.Select(sample => $"dead letter: {sample}{Environment.NewLine}")));

        var exits = watch.UnexpectedExits;
        report.Append(string.Concat(exits.Select(exit => $"unexpected exit: {exit}{Environment.NewLine}")));
        report.Append(string.Concat(unhealthy.Select(resource => $"not healthy at the end: {resource}{Environment.NewLine}")));
        report.Append(string.Concat(guests.SelectMany(guest => guest.Notes.Select(note => $"guest {guest.Plan.Index}: {note}{Environment.NewLine}"))));

        var summary = new FaultRunSummary(merged, missing, doubled, failedSignUps.Count, stale.Count, deadLetters, exits.Count);
        return new(summary, unhealthy, report.ToString());
    }

    private static string Describe(GuestEntry guest) =>
        $"{(guest.Plan.StartsInStorefront ? "storefront" : "API")} guest, {guest.Plan.Email}";

    private async Task<IReadOnlyList<string>> UnhealthyResourcesAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HealthTimeout);
        var unhealthy = new ConcurrentBag<string>();
        await Task.WhenAll(AspireAppFixture.InfrastructureNames.Concat(AspireAppFixture.ServiceNames).Select(async resource =>
        {
            try
            {
                await app.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                unhealthy.Add($"{resource} ({(app.ResourceNotifications.TryGetCurrentState(resource, out var state) ? $"{state.Snapshot.State?.Text}, {state.Snapshot.HealthStatus}" : "unknown")})");
            }
        }));
        log.Write(unhealthy.IsEmpty ? "every resource healthy" : $"not healthy within {HealthTimeout}: {string.Join(", ", unhealthy)}");
        return [.. unhealthy];
    }

    /// <summary>Each guest's account: the token its sign-up answered, or, for a sign-up that failed, a fresh sign-in (no guest session, so no link).</summary>
    private async Task<IReadOnlyDictionary<int, string>> AccountTokensAsync(IReadOnlyList<GuestEntry> guests, CancellationToken cancellationToken)
    {
        var tokens = new ConcurrentDictionary<int, string>();
        await Parallel.ForEachAsync(guests, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (guest, token) =>
        {
            if (guest.AccountToken is { } accountToken)
            {
                tokens[guest.Plan.Index] = accountToken;
                return;
            }

            var reply = await WithRetriesAsync(() => new HttpRequestMessage(HttpMethod.Post, new Uri(store.AuthApi, "/api/auth/sign-in/email"))
            {
                Content = JsonContent.Create(new { email = guest.Plan.Email, password = GuestPlan.Password }),
            }, token);
            if (reply.Is(HttpStatusCode.OK))
            {
                tokens[guest.Plan.Index] = reply.Json("token");
            }
        });
        return tokens;
    }

    /// <summary>
    /// Reads the accounts' carts until each holds what the ledger says, or until the link pipeline is idle (nothing
    /// left to publish, deliver or acknowledge: a cart that still differs then stays so), bounded either way.
    /// </summary>
    private async Task<IReadOnlyDictionary<int, IReadOnlyDictionary<int, int>>> WaitForCartsAsync(
        IReadOnlyList<GuestEntry> guests, IReadOnlyDictionary<int, string> accounts, CancellationToken cancellationToken)
    {
        var carts = new ConcurrentDictionary<int, IReadOnlyDictionary<int, int>>();
        var pending = guests.Where(guest => accounts.ContainsKey(guest.Plan.Index)).ToList();
        var pipeline = new LinkPipeline(app);
        async Task<bool> SettledAsync()
        {
            // Idle first, carts after: every link event was applied before these reads.
            var idle = await pipeline.IsIdleAsync();
            await Parallel.ForEachAsync(pending, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (guest, token) =>
            {
                var reply = await WithRetriesAsync(() => Authorized(HttpMethod.Get, new Uri(store.CartApi, "/api/cart"), SessionCredential.Bearer(accounts[guest.Plan.Index])), token);
                if (reply.Is(HttpStatusCode.OK))
                {
                    carts[guest.Plan.Index] = CartLines.Parse(reply.Body);
                }
            });
            pending = [.. pending.Where(guest => !carts.TryGetValue(guest.Plan.Index, out var cart)
                || !cart.OrderBy(line => line.Key).SequenceEqual(guest.IntendedLines))];
            return pending.Count == 0 || idle;
        }

        try
        {
            await Eventually.HoldsAsync(SettledAsync, DrainTimeout);
            log.Write(pending.Count == 0 ? "every account holds its guest's cart" : $"link pipeline idle; {pending.Count} account(s) differ from the ledger");
        }
        catch (TimeoutException)
        {
            log.Write($"link pipeline still busy after {DrainTimeout.TotalSeconds} s; {pending.Count} account(s) differ from the ledger");
        }

        return carts;
    }

    /// <summary>Every guest session of a guest that signed up (or tried to) must be dead at Auth.Api (get-session null) and at Cart.Api (401).</summary>
    private async Task<IReadOnlyList<string>> StaleGuestSessionsAsync(IReadOnlyList<GuestEntry> guests, CancellationToken cancellationToken)
    {
        var stale = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(guests.Where(guest => guest.SignUpAttempted), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (guest, token) =>
        {
            var alive = new List<string>();
            foreach (var session in guest.GuestSessions)
            {
                var authApi = await WithRetriesAsync(() => Authorized(HttpMethod.Get, new Uri(store.AuthApi, "/api/auth/get-session"), session), token);
                var cartApi = await WithRetriesAsync(() => Authorized(HttpMethod.Get, new Uri(store.CartApi, "/api/cart"), session), token);
                if (!(authApi.Is(HttpStatusCode.OK) && authApi.Body.Trim() == "null") || !cartApi.Is(HttpStatusCode.Unauthorized))
                {
                    alive.Add($"{session}: get-session {authApi}, Cart.Api {cartApi}");
                }
            }

            if (alive.Count > 0)
            {
                stale.Add($"guest {guest.Plan.Index} ({Describe(guest)}): guest session still authenticates: {string.Join("; ", alive)}");
            }
        });
        return [.. stale];
    }

    private static HttpRequestMessage Authorized(HttpMethod method, Uri uri, SessionCredential credential)
    {
        var request = new HttpRequestMessage(method, uri);
        credential.ApplyTo(request);
        return request;
    }

    /// <summary>The app should be healthy by now; a blip still gets a client's patience.</summary>
    private async Task<Reply> WithRetriesAsync(Func<HttpRequestMessage> createRequest, CancellationToken cancellationToken)
    {
        var backoff = new Backoff();
        while (true)
        {
            using var request = createRequest();
            var reply = await Reply.SendAsync(http, request, cancellationToken);
            if (!reply.IsTransient || !await backoff.WaitAsync(cancellationToken))
            {
                return reply;
            }
        }
    }
}
