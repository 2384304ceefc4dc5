namespace Kiln.Tiering;

/// <summary>
/// Knows when machine code that tier-up replaced can no longer be running, so its pages can be freed, without
/// stopping or walking any thread (epoch-based reclamation). One per <see cref="Tier.Auto"/> engine: its code runs
/// only in its own stores, so a thread inside another engine's Wasm holds none of it (a host function that calls into
/// this engine from there enters it afresh). An epoch counter advances each time code is retired; every thread that enters Wasm from the host writes the epoch it saw into its own registration at its
/// outermost entry (nested re-entries keep the outer one) and clears it when that entry returns. Code retired at
/// epoch S was unpublished before the epoch became S, so a thread that entered at S or later read every code pointer
/// after the unpublish and cannot reach it: the code is free to go once every thread inside Wasm entered at S or later.
/// </summary>
/// <remarks>
/// The cost on the host-to-Wasm path is one epoch load and one store into the thread's registration at the outermost
/// entry, one store at its exit, and one load to see whether anything waits to be freed. The entering thread uses no
/// fence: its store of the epoch may still sit in its store buffer while its later loads of code pointers run ahead,
/// so the reclaiming side pays instead with <see cref="Interlocked.MemoryBarrierProcessWide"/> (membarrier on Linux)
/// before it reads the registrations. After that barrier, a thread whose registration still reads 0 had not yet
/// made that store when the barrier interrupted it, so its loads of code pointers come after the barrier, and thus
/// after the unpublish (which happened before the epoch advanced): it sees the new code. A thread that stays inside
/// Wasm for its whole life (a <c>_start</c> that runs the program) keeps everything retired after its entry; that
/// is the price of not walking stacks, and its memory is what the replaced code took before.
/// </remarks>
internal sealed class CodeEpochs
{
    /// <summary>One thread's registration: the epoch of its outermost entry into Wasm (0 while outside) and its depth.</summary>
    private sealed class ThreadRecord
    {
        public long Entered;
        public int Depth;
        public readonly WeakReference<Thread> Thread = new(System.Threading.Thread.CurrentThread);
    }

    // Starts at 1 so 0 can mean "not inside Wasm".
    private long _epoch = 1;
    private readonly List<ThreadRecord> _threads = [];

    // The thread's record in the engine it entered last (nearly always its only one), and its records in all of them
    // (weak keys: a disposed engine's records go with it).
    [ThreadStatic]
    private static CodeEpochs? t_lastEpochs;
    [ThreadStatic]
    private static ThreadRecord? t_lastRecord;
    [ThreadStatic]
    private static System.Runtime.CompilerServices.ConditionalWeakTable<CodeEpochs, ThreadRecord>? t_records;

    /// <summary>The current epoch.</summary>
    public long Current => Volatile.Read(ref _epoch);

    /// <summary>
    /// Advances the epoch after code was unpublished (every store that removed it from tables and funcrefs comes
    /// before this call) and returns the new value: the retired code's stamp.
    /// </summary>
    public long Advance() => Interlocked.Increment(ref _epoch);

    /// <summary>
    /// Called when the host enters Wasm on this thread, before any code pointer is read.
    /// </summary>
    public void Enter()
    {
        ThreadRecord record = t_lastEpochs == this ? t_lastRecord! : RecordOfThisThread();
        if (record.Depth++ == 0)
        {
            // Acquire: code pointers read after this see at least what was published before the epoch was read.
            record.Entered = Volatile.Read(ref _epoch);
        }
    }

    /// <summary>
    /// Called when an entry returns (or throws) on this thread; returns the epoch of the outermost entry when this
    /// was it, else 0.
    /// </summary>
    public long Exit()
    {
        ThreadRecord record = t_lastEpochs == this ? t_lastRecord! : RecordOfThisThread();
        if (--record.Depth == 0)
        {
            long entered = record.Entered;
            // Release: every use of Wasm code by this thread comes before this store.
            Volatile.Write(ref record.Entered, 0);
            return entered;
        }
        return 0;
    }

    /// <summary>
    /// The oldest epoch at which some thread now inside Wasm entered (<see cref="long.MaxValue"/> when none is):
    /// code stamped at or below it cannot be running and no thread can reach it any more.
    /// </summary>
    public long OldestInside()
    {
        // Makes every thread's registration store that was executed visible here (see the remarks).
        Interlocked.MemoryBarrierProcessWide();
        long oldest = long.MaxValue;
        lock (_threads)
        {
            for (int i = _threads.Count - 1; i >= 0; i--)
            {
                ThreadRecord r = _threads[i];
                long entered = Volatile.Read(ref r.Entered);
                if (entered != 0)
                {
                    oldest = Math.Min(oldest, entered);
                }
                else if (!r.Thread.TryGetTarget(out Thread? t) || !t.IsAlive)
                {
                    // A thread that ended is outside Wasm for good.
                    _threads.RemoveAt(i);
                }
            }
        }
        return oldest;
    }

    private ThreadRecord RecordOfThisThread()
    {
        t_records ??= [];
        if (!t_records.TryGetValue(this, out ThreadRecord? record))
        {
            record = new ThreadRecord();
            lock (_threads)
            {
                _threads.Add(record);
            }
            t_records.Add(this, record);
        }
        t_lastEpochs = this;
        t_lastRecord = record;
        return record;
    }
}
