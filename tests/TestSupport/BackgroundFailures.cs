using System.Diagnostics.Metrics;

namespace AspireAuth.TestSupport;

/// <summary>Counts the <c>aspireauth.background.failures</c> measurements of one loop, as a metrics exporter would see them.</summary>
public sealed class BackgroundFailures : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _count;

    public BackgroundFailures(string loop)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "AspireAuth" && instrument.Name == "aspireauth.background.failures")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "loop" && Equals(tag.Value, loop))
                {
                    Interlocked.Add(ref _count, value);
                }
            }
        });
        _listener.Start();
    }

    public long Count => Interlocked.Read(ref _count);

    public void Dispose() => _listener.Dispose();
}
