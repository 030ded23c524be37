using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AspireAuth.TestSupport;

/// <summary>
/// A service served as the AppHost runs it: Kestrel on a public port and on the admin port (README, "Operator
/// commands"), with the admin settings that go with it.
/// </summary>
public sealed class AdminPort : IDisposable
{
    private AdminPort(int port, string secret)
    {
        Port = port;
        Secret = secret;
    }

    public int Port { get; }

    public string Secret { get; }

    /// <summary>The public address, set by <see cref="Serve{TEntryPoint}"/>.</summary>
    public Uri PublicBase { get; private set; } = null!;

    public Uri AdminBase => new($"http://127.0.0.1:{Port}");

    public HttpClient Http { get; } = new();

    /// <summary>A free loopback port and a secret for a service's admin endpoints.</summary>
    public static AdminPort Reserve(string secret = "admin-secret-for-tests-0123456789-abcdefgh")
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new AdminPort(((IPEndPoint)listener.LocalEndpoint).Port, secret);
    }

    /// <summary>The settings that turn the admin endpoints on, on this port.</summary>
    public IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Admin:Port", Port.ToString(CultureInfo.InvariantCulture)),
        new("Admin:Secret", Secret),
    ];

    /// <summary>Serves <paramref name="app"/> with Kestrel on a free public port and on this admin port, and starts it.</summary>
    public void Serve<TEntryPoint>(WebApplicationFactory<TEntryPoint> app)
        where TEntryPoint : class
    {
        app.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.Listen(IPAddress.Loopback, Port);
        });
        app.StartServer();
        PublicBase = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(address => new Uri(address)).Single(address => address.Port != Port);
    }

    /// <summary>POSTs to an admin endpoint on the admin port with the admin secret as bearer token.</summary>
    public Task<HttpResponseMessage> PostAsync(string pathAndQuery) => PostAsync(pathAndQuery, AdminBase, $"Bearer {Secret}");

    /// <summary>POSTs to <paramref name="baseAddress"/> with exactly <paramref name="authorization"/> (none when null).</summary>
    public Task<HttpResponseMessage> PostAsync(string pathAndQuery, Uri baseAddress, string? authorization, string? host = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseAddress, pathAndQuery));
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        if (host is not null)
        {
            request.Headers.Host = host;
        }

        return Http.SendAsync(request);
    }

    public void Dispose() => Http.Dispose();
}
