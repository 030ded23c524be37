namespace AspireAuth.Web.Backends;

/// <summary>The backends that failed during this request; the layout shows a banner when there is any.</summary>
public sealed class ServiceOutages(ILogger<ServiceOutages> logger)
{
    /// <summary>Sent with every 503 the storefront answers because of a backend: about as long as a backend restart takes.</summary>
    public const string RetryAfterSeconds = "5";

    private readonly HashSet<string> _services = new(StringComparer.Ordinal);

    public bool Any => _services.Count > 0;

    public string Message => (_services.Contains(AuthApiClient.ServiceName), _services.Contains(CartApiClient.ServiceName)) switch
    {
        (true, false) => "Signing in and guest sessions are unavailable right now. Please try again in a moment.",
        (false, true) => "The catalog and carts are unavailable right now. Please try again in a moment.",
        _ => "The shop is unavailable right now. Please try again in a moment.",
    };

    public void Report(ServiceUnavailableException outage)
    {
        logger.LogWarning(outage, "Backend {Service} is unavailable: {Reason}", outage.Service, outage.Message);
        _services.Add(outage.Service);
    }
}
