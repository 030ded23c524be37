using System.Diagnostics.Metrics;

namespace AspireAuth.TestSupport;

/// <summary>One AspireAuth gauge of one app (its <see cref="IMeterFactory"/>), observed on demand as an exporter would.</summary>
public sealed class Gauge : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Lock _gate = new();
    private double? _latest;

    public Gauge(string name, IMeterFactory app)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "AspireAuth" && instrument.Meter.Scope == app && instrument.Name == name)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Record(value));
        _listener.SetMeasurementEventCallback<double>((_, value, _, _) => Record(value));
        _listener.Start();
    }

    /// <summary>What the gauge reports now; null when it reports nothing.</summary>
    public double? Read()
    {
        lock (_gate)
        {
            _latest = null;
            _listener.RecordObservableInstruments();
            return _latest;
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Record(double value) => _latest = value;
}
