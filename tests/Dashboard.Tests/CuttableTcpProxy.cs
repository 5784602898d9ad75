using System.Net;
using System.Net.Sockets;

namespace Dashboard.Tests;

/// <summary>
/// A TCP forwarder on 127.0.0.1 in front of a real server: <see cref="Cut"/> drops every open connection and refuses
/// new ones (closed as soon as accepted) until <see cref="Restore"/>, as a network outage between two services would.
/// </summary>
public sealed class CuttableTcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<TcpClient> _open = [];
    private readonly Task _accepting;
    private bool _cut;

    public CuttableTcpProxy(Uri upstream)
    {
        _upstream = upstream;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>http://127.0.0.1:port of the proxy.</summary>
    public string Address => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public void Cut()
    {
        lock (_gate)
        {
            _cut = true;
            foreach (var client in _open)
            {
                client.Dispose();
            }

            _open.Clear();
        }
    }

    public void Restore()
    {
        lock (_gate)
        {
            _cut = false;
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient downstream;
            try
            {
                downstream = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ForwardAsync(downstream);
        }
    }

    private async Task ForwardAsync(TcpClient downstream)
    {
        var upstream = new TcpClient();
        try
        {
            lock (_gate)
            {
                if (_cut)
                {
                    downstream.Dispose();
                    upstream.Dispose();
                    return;
                }

                _open.Add(downstream);
                _open.Add(upstream);
            }

            await upstream.ConnectAsync(_upstream.Host, _upstream.Port, _stop.Token);
            var a = downstream.GetStream().CopyToAsync(upstream.GetStream(), _stop.Token);
            var b = upstream.GetStream().CopyToAsync(downstream.GetStream(), _stop.Token);
            await Task.WhenAny(a, b);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // Cut, or one side went away.
        }
        finally
        {
            lock (_gate)
            {
                _open.Remove(downstream);
                _open.Remove(upstream);
            }

            downstream.Dispose();
            upstream.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
        await _accepting;
        _stop.Dispose();
    }
}
