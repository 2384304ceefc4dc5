using Kiln.Vm;

namespace Kiln.Tiering;

/// <summary>
/// Finds long-running loops for on-stack replacement without counting iterations: every <see cref="Interval"/> a timer
/// sets the OSR poll (<see cref="VmOffsets.StoreOsrPoll"/>, byte 1 of the interrupt word) of every store of the
/// engine. Baseline loop headers with an OSR path compare the whole interrupt word, which they load anyway for the
/// interrupt check, so the poll diverts the next header reached into that path (one helper call, which clears the
/// poll and counts a sample for that loop) and costs the loop nothing otherwise. A store that runs no Wasm meets the
/// poll at its next loop header, once.
/// </summary>
/// <remarks>
/// Stores register their context at creation and withdraw it (under <see cref="_lock"/>) before freeing it, so the
/// timer never writes into freed memory. The timer runs only while the engine has stores.
/// </remarks>
internal sealed unsafe class OsrSampler : IDisposable
{
    /// <summary>How often the poll is set: short enough that a loop running for tens of milliseconds is found.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);

    private readonly object _lock = new();
    private readonly HashSet<nint> _contexts = [];
    private readonly Action _onTick;
    private Timer? _timer;
    private bool _disposed;

    /// <param name="onTick">Runs after each tick outside the lock: the re-tiering check for programs that never return to the host.</param>
    public OsrSampler(Action onTick)
    {
        _onTick = onTick;
    }

    public void Register(VmStoreContext* context)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _contexts.Add((nint)context);
            _timer ??= new Timer(static s => ((OsrSampler)s!).Tick(), this, Interval, Interval);
        }
    }

    /// <summary>Withdraws a store's context before it is freed.</summary>
    public void Unregister(VmStoreContext* context)
    {
        lock (_lock)
        {
            _contexts.Remove((nint)context);
            if (_contexts.Count == 0)
            {
                _timer?.Dispose();
                _timer = null;
            }
        }
    }

    private void Tick()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            foreach (nint c in _contexts)
            {
                // Byte 1 only: the interrupt (byte 0) is the embedder's and is never written here.
                Volatile.Write(ref ((byte*)c)[VmOffsets.StoreOsrPoll], (byte)1);
            }
        }
        _onTick();
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _contexts.Clear();
            _timer?.Dispose();
            _timer = null;
        }
    }
}
