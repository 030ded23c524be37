using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace AspireAuth.Web.Tests.Harness;

/// <summary>
/// A backend as DCP's proxy stands in for a stopped one: it accepts every connection and never answers, so neither
/// a refused connection nor a connect timeout gives it away.
/// </summary>
public sealed class HangingBackend : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentBag<TcpClient> _connections = [];
    private readonly Task _accepting;

    public HangingBackend()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public Uri Address => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>How many connections it has accepted (and left unanswered).</summary>
    public int Connections => _connections.Count;

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                _connections.Add(await _listener.AcceptTcpClientAsync());
            }
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _accepting;
        foreach (var connection in _connections)
        {
            connection.Dispose();
        }
    }
}
