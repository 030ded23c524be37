using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Web;

namespace AspireAuth.AppHost.Tests;

/// <summary>The whole app as the dev loop runs it: every service exports its telemetry to the dashboard.</summary>
public sealed class DashboardAppFixture() : AspireAppFixture(dashboard: true);

/// <summary>
/// A person opening the dashboard finds their sign-up, not the background loops' polls: left idle, the app adds
/// (almost) nothing to the trace list. Read through the dashboard's HTTP telemetry API, as its trace list shows it.
/// </summary>
public sealed class QuietDashboardTests(DashboardAppFixture fixture) : IClassFixture<DashboardAppFixture>
{
    // Far more than the app makes; the API returns 100 traces unless told otherwise.
    private const int ReadLimit = 10_000;

    private static readonly TimeSpan IdleMinute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan SettleCheckInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task An_idle_minute_after_start_up_adds_at_most_two_traces()
    {
        using var dashboard = await ConnectAsync(await fixture.App.GetDashboardUrlAsync());

        // The services' telemetry does reach the dashboard: a request's trace shows up.
        var probeTrace = ActivityTraceId.CreateRandom().ToString();
        using (var auth = fixture.App.CreateHttpClient("auth-api"))
        using (var ok = new HttpRequestMessage(HttpMethod.Get, "/api/auth/ok"))
        {
            ok.Headers.Add("traceparent", $"00-{probeTrace}-{ActivitySpanId.CreateRandom()}-01");
            (await auth.SendAsync(ok)).EnsureSuccessStatusCode();
        }

        await Eventually.HoldsAsync(async () => (await TracesAsync(dashboard)).ContainsKey(probeTrace), TimeSpan.FromSeconds(30));

        // Start-up (migrations, consumer groups, first health checks, telemetry still in flight) is over when the count
        // stays put for one check interval.
        var settled = await TracesAsync(dashboard);
        var settleDeadline = DateTimeOffset.UtcNow + SettleTimeout;
        while (true)
        {
            await Task.Delay(SettleCheckInterval);
            var now = await TracesAsync(dashboard);
            if (now.Count == settled.Count)
            {
                break;
            }

            Assert.True(DateTimeOffset.UtcNow < settleDeadline,
                $"Still not settled after {SettleTimeout}: {Added(settled, now).Count} traces in the last {SettleCheckInterval}: {string.Join("; ", Added(settled, now))}");
            settled = now;
        }

        // The measurement itself: one minute of nothing (the AppHost still probes every service's health meanwhile).
        await Task.Delay(IdleMinute);
        var after = await TracesAsync(dashboard);

        var added = Added(settled, after);
        Assert.True(added.Count <= 2, $"{added.Count} traces added in an idle minute: {string.Join("; ", added)}");
    }

    private static List<string> Added(Dictionary<string, string> before, Dictionary<string, string> after) =>
        after.Where(trace => !before.ContainsKey(trace.Key)).Select(trace => $"{trace.Value} ({trace.Key})").ToList();

    /// <summary>A client of the dashboard's telemetry API, with the API key its login URL's browser token is exchanged for.</summary>
    private static async Task<HttpClient> ConnectAsync(Uri loginUrl)
    {
        var dashboard = new HttpClient { BaseAddress = new Uri(loginUrl.GetLeftPart(UriPartial.Authority)) };
        if (HttpUtility.ParseQueryString(loginUrl.Query)["t"] is { } token)
        {
            using var exchange = await dashboard.PostAsJsonAsync(new Uri("/api/telemetry/validateToken", UriKind.Relative), new { token });
            exchange.EnsureSuccessStatusCode();
            var apiKey = (await exchange.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString();
            dashboard.DefaultRequestHeaders.Add("x-api-key", apiKey);
        }

        return dashboard;
    }

    /// <summary>Every trace the dashboard holds: its id, and "resource: root span name".</summary>
    private static async Task<Dictionary<string, string>> TracesAsync(HttpClient dashboard)
    {
        using var response = await dashboard.GetAsync(new Uri($"/api/telemetry/traces?limit={ReadLimit}", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"The dashboard's telemetry API answered {(int)response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);

        var traces = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var resourceSpans in json.RootElement.GetProperty("data").GetProperty("resourceSpans").EnumerateArray())
        {
            var resource = resourceSpans.GetProperty("resource").GetProperty("attributes").EnumerateArray()
                .Where(attribute => attribute.GetProperty("key").GetString() == "service.name")
                .Select(attribute => attribute.GetProperty("value").GetProperty("stringValue").GetString())
                .FirstOrDefault() ?? "?";
            foreach (var span in resourceSpans.GetProperty("scopeSpans").EnumerateArray().SelectMany(scope => scope.GetProperty("spans").EnumerateArray()))
            {
                var traceId = span.GetProperty("traceId").GetString()!;
                var isRoot = !span.TryGetProperty("parentSpanId", out var parent) || string.IsNullOrEmpty(parent.GetString());
                if (isRoot || !traces.ContainsKey(traceId))
                {
                    traces[traceId] = $"{resource}: {span.GetProperty("name").GetString()}{(isRoot ? "" : " (no root yet)")}";
                }
            }
        }

        Assert.True(json.RootElement.GetProperty("totalCount").GetInt32() == traces.Count,
            $"The dashboard holds {json.RootElement.GetProperty("totalCount")} traces but returned {traces.Count}: raise the read's limit.");
        return traces;
    }
}
