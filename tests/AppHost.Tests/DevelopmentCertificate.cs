using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace AspireAuth.AppHost.Tests;

/// <summary>
/// The ASP.NET Core HTTPS development certificate, which Kestrel serves https with. A machine without one (CI) gets
/// one from <c>dotnet dev-certs https</c>, in the user's store and not trusted system-wide (that needs root); the
/// test's client trusts exactly that certificate instead.
/// </summary>
internal static class DevelopmentCertificate
{
    // What marks the certificate as the ASP.NET Core development certificate (Kestrel and dev-certs look for it).
    private const string AspNetHttpsOid = "1.3.6.1.4.1.311.84.1.1";

    private static readonly TimeSpan CreateTimeout = TimeSpan.FromMinutes(1);

    /// <summary>Creates the certificate when the user has no valid one; the thumbprints of the valid ones (usually one).</summary>
    public static async Task<IReadOnlySet<string>> EnsureAsync()
    {
        var existing = ValidThumbprints();
        if (existing.Count > 0)
        {
            return existing;
        }

        var (exitCode, output) = await RunDevCertsAsync();
        var created = ValidThumbprints();
        return created.Count > 0
            ? created
            : throw new InvalidOperationException(
                $"`dotnet dev-certs https` exited with {exitCode} and left no valid ASP.NET Core development certificate in the user's store, so Web cannot serve https:\n{output}");
    }

    /// <summary>A browser's handler (cookies, no redirects) that accepts only a server certificate with one of <paramref name="thumbprints"/>.</summary>
    public static SocketsHttpHandler TrustingOnly(IReadOnlySet<string> thumbprints, CookieContainer cookies) => new()
    {
        AllowAutoRedirect = false,
        CookieContainer = cookies,
        SslOptions = { RemoteCertificateValidationCallback = AcceptingOnly(thumbprints) },
    };

    /// <summary>Accepts exactly the certificates with <paramref name="thumbprints"/>, trusted or not, and nothing else.</summary>
    public static RemoteCertificateValidationCallback AcceptingOnly(IReadOnlySet<string> thumbprints) =>
        (_, certificate, _, _) => certificate is X509Certificate2 { Thumbprint: var thumbprint } && thumbprints.Contains(thumbprint);

    private static HashSet<string> ValidThumbprints()
    {
        using var store = new X509Store(StoreName.My, StoreLocation.CurrentUser);
        store.Open(OpenFlags.ReadOnly);
        var now = DateTime.Now;
        var thumbprints = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var certificate in store.Certificates)
        {
            if (certificate.Extensions[AspNetHttpsOid] is not null && certificate.HasPrivateKey
                && certificate.NotBefore <= now && now < certificate.NotAfter)
            {
                thumbprints.Add(certificate.Thumbprint);
            }

            certificate.Dispose();
        }

        return thumbprints;
    }

    private static async Task<(int ExitCode, string Output)> RunDevCertsAsync()
    {
        // The SDK that runs the tests (dotnet test sets DOTNET_HOST_PATH), else the dotnet on the PATH.
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            ArgumentList = { "dev-certs", "https" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)
            ?? throw new InvalidOperationException($"Could not start `{start.FileName} dev-certs https` to create the development certificate.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CreateTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`dotnet dev-certs https` did not create the development certificate within {CreateTimeout}.");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
