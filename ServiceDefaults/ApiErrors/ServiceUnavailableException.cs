namespace AspireAuth.ServiceDefaults.ApiErrors;

/// <summary>
/// A request that could not be served now but may succeed if retried; answered with 503,
/// <c>Retry-After</c> and this <see cref="Code"/> (see <see cref="ApiErrorExceptionHandler"/>).
/// </summary>
public abstract class ServiceUnavailableException(string code, string clientMessage, string message) : Exception(message)
{
    public string Code { get; } = code;

    /// <summary>What the client is told; <see cref="Exception.Message"/> is for the log.</summary>
    public string ClientMessage { get; } = clientMessage;
}
