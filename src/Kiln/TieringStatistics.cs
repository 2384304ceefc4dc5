namespace Kiln;

/// <summary>
/// What adaptive execution (<see cref="Tier.Auto"/>) did: functions found hot, moved to the optimizing tier, left on
/// the baseline because the optimizing tier refused them (<see cref="Engine.OptimizingStatistics"/> says why) or
/// because compiling failed, the batches installed (each one seal, so one permission change of code memory), the
/// background compile time, and on-stack replacement (hot loops, OSR entries compiled, activations moved into
/// them). One per engine (<see cref="Engine.TieringStatistics"/>); thread-safe.
/// </summary>
public sealed class TieringStatistics
{
    private readonly object _lock = new();
    private int _requests;
    private int _completed;
    private int _tierUps;
    private int _refused;
    private int _failed;
    private int _batches;
    private int _osrRequests;
    private int _osrInstalled;
    private int _osrRefused;
    private long _osrEntries;
    private TimeSpan _compileTime;
    private string? _lastFailure;
    private int _speculatedSites;
    private int _retiers;
    private int _retiredFunctions;
    private long _retiredBytes;
    private int _freedItems;
    private long _freedBytes;
    private readonly List<WeakReference<Compiled.ModuleCode>> _modules = [];

    /// <summary>Functions whose counters ran out, or whose loop asked for an OSR entry (each is queued once).</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Functions now running optimized code.</summary>
    public int TierUps => Volatile.Read(ref _tierUps);

    /// <summary>Hot functions the optimizing tier does not compile yet; they stay on the baseline.</summary>
    public int Refused => Volatile.Read(ref _refused);

    /// <summary>Hot functions whose compile failed (<see cref="LastFailure"/>); they stay on the baseline.</summary>
    public int Failed => Volatile.Read(ref _failed);

    /// <summary>Loops found running long in baseline code, for which an on-stack-replacement entry was asked (each once).</summary>
    public int OsrRequests => Volatile.Read(ref _osrRequests);

    /// <summary>On-stack-replacement entries installed (optimized code that continues a function at a loop header).</summary>
    public int OsrInstalled => Volatile.Read(ref _osrInstalled);

    /// <summary>Loops the optimizing tier could not compile an OSR entry for; they stay on the baseline.</summary>
    public int OsrRefused => Volatile.Read(ref _osrRefused);

    /// <summary>Times a baseline activation moved into optimized code at a loop header.</summary>
    public long OsrEntries => Interlocked.Read(ref _osrEntries);

    /// <summary>Chunks of optimized code installed, each with one seal.</summary>
    public int Batches => Volatile.Read(ref _batches);

    /// <summary>Wall-clock time the tier-up compiles took (on the background thread, unless synchronous).</summary>
    public TimeSpan CompileTime
    {
        get
        {
            lock (_lock)
            {
                return _compileTime;
            }
        }
    }

    /// <summary>The last compile failure's message, or null.</summary>
    public string? LastFailure
    {
        get
        {
            lock (_lock)
            {
                return _lastFailure;
            }
        }
    }

    /// <summary>
    /// <c>call_indirect</c> sites of optimized functions compiled to compare the table entry with the one target the
    /// baseline saw there and call it directly (<c>Compiled.CallSiteProfiles</c>).
    /// </summary>
    public int SpeculatedSites => Volatile.Read(ref _speculatedSites);

    /// <summary>
    /// How often such a site found another target and took the generic call instead, over the engine's live modules
    /// (counted by the optimized code without synchronization: threads racing on one site may lose a few).
    /// </summary>
    public long GuardFailures
    {
        get
        {
            long total = 0;
            lock (_modules)
            {
                foreach (WeakReference<Compiled.ModuleCode> w in _modules)
                {
                    // A module still reachable here has not been finalized, so its profile memory is still there.
                    if (w.TryGetTarget(out Compiled.ModuleCode? m))
                    {
                        total += m.GuardFailures();
                    }
                }
            }
            return total;
        }
    }

    /// <summary>
    /// Optimized functions compiled again because a speculated <c>call_indirect</c> site kept failing its guard
    /// (<see cref="EngineOptions.RetierGuardFailures"/>); the site is compiled without speculation from then on.
    /// </summary>
    public int Retiers => Volatile.Read(ref _retiers);

    /// <summary>
    /// Code ranges replaced and retired: baseline functions and OSR entries after a tier-up, optimized functions after
    /// a re-tier. Retired code is freed once no thread can be running it (<see cref="FreedBytes"/>).
    /// </summary>
    public int RetiredFunctions => Volatile.Read(ref _retiredFunctions);

    /// <summary>Bytes of machine code of <see cref="RetiredFunctions"/>.</summary>
    public long RetiredBytes => Interlocked.Read(ref _retiredBytes);

    /// <summary>Items (functions, OSR entries, stubs) of the batches unmapped because all their code was retired and left.</summary>
    public int FreedFunctions => Volatile.Read(ref _freedItems);

    /// <summary>Bytes of code and read-only data of the batches freed (what code memory's used bytes went down by).</summary>
    public long FreedBytes => Interlocked.Read(ref _freedBytes);

    internal int Completed => Volatile.Read(ref _completed);

    internal void RecordRetier() => Interlocked.Increment(ref _retiers);

    internal void RecordRetierTime(TimeSpan time)
    {
        lock (_lock)
        {
            _compileTime += time;
        }
    }

    internal void RecordRetired(int bytes)
    {
        Interlocked.Increment(ref _retiredFunctions);
        Interlocked.Add(ref _retiredBytes, bytes);
    }

    internal void RecordFreed(int items, long bytes)
    {
        Interlocked.Add(ref _freedItems, items);
        Interlocked.Add(ref _freedBytes, bytes);
    }

    internal void Track(Compiled.ModuleCode module)
    {
        lock (_modules)
        {
            _modules.RemoveAll(w => !w.TryGetTarget(out _));
            _modules.Add(new WeakReference<Compiled.ModuleCode>(module));
        }
    }

    /// <summary>The engine's live modules (for the guard-failure check of re-tiering).</summary>
    internal List<Compiled.ModuleCode> LiveModules()
    {
        var live = new List<Compiled.ModuleCode>();
        lock (_modules)
        {
            foreach (WeakReference<Compiled.ModuleCode> w in _modules)
            {
                if (w.TryGetTarget(out Compiled.ModuleCode? m))
                {
                    live.Add(m);
                }
            }
        }
        return live;
    }

    internal void RecordSpeculated(int sites) => Interlocked.Add(ref _speculatedSites, sites);

    internal void RecordRequest() => Interlocked.Increment(ref _requests);

    internal void RecordOsrRequest() => Interlocked.Increment(ref _osrRequests);

    internal void RecordOsrEntry() => Interlocked.Increment(ref _osrEntries);

    internal void RecordOsrBatch(int installed, int refused)
    {
        Interlocked.Add(ref _osrInstalled, installed);
        Interlocked.Add(ref _osrRefused, refused);
        Interlocked.Add(ref _completed, installed + refused);
    }

    internal void RecordBatch(int moved, int refused, TimeSpan time, bool installed)
    {
        lock (_lock)
        {
            _compileTime += time;
        }
        Interlocked.Add(ref _tierUps, moved);
        Interlocked.Add(ref _refused, refused);
        if (installed)
        {
            Interlocked.Increment(ref _batches);
        }
        Interlocked.Add(ref _completed, moved + refused);
    }

    internal void RecordFailure(int functions, TimeSpan time, Exception e)
    {
        lock (_lock)
        {
            _compileTime += time;
            _lastFailure = $"{e.GetType().Name}: {e.Message}";
        }
        Interlocked.Add(ref _failed, functions);
        Interlocked.Add(ref _completed, functions);
    }

    /// <summary>One line: what <c>kiln run --stats</c> prints.</summary>
    public string Describe() =>
        $"tier-up: {Requests} hot functions, {TierUps} optimized in {Batches} batches ({CompileTime.TotalMilliseconds:F1} ms compiling), " +
        $"{Refused} refused, {Failed} failed, {SpeculatedSites} call_indirect sites speculated ({GuardFailures} guard failures), {Retiers} re-tiered" + (LastFailure is { } f ? $" (last: {f})" : "") +
        $"; retired code: {RetiredFunctions} functions ({RetiredBytes} bytes), freed {FreedFunctions} ({FreedBytes} bytes)" +
        $"; on-stack replacement: {OsrRequests} hot loops, {OsrInstalled} entries compiled, {OsrRefused} refused, {OsrEntries} entered";
}
