using Kiln.Jit;

namespace Kiln.Tiering;

/// <summary>
/// The life of one sealed batch of a module's code, counted in items (functions, OSR entries, the stubs): a batch is
/// unmapped as a whole, so it waits until every item in it is retired and then until no thread can be in any of them
/// (<see cref="CodeEpochs"/>). A lazily compiled baseline function is a batch of its own, so it goes as soon as its
/// function moves up; a tier-up batch goes when all its functions were replaced again (a re-tier) and its OSR entries
/// with the baseline code that called them.
/// </summary>
internal sealed class BatchLife
{
    public BatchLife(CodeBatch batch, int items)
    {
        Batch = batch;
        LiveItems = items;
        Items = items;
    }

    public CodeBatch Batch { get; }

    /// <summary>Items in the batch (for the statistics once it is freed).</summary>
    public int Items { get; }

    /// <summary>Items not retired yet; guarded by <see cref="RetiredCode"/>'s lock.</summary>
    public int LiveItems { get; set; }

    /// <summary>The newest stamp of the batch's retired items.</summary>
    public long Stamp { get; set; }
}

/// <summary>
/// Batches whose every item was retired, waiting until no thread inside Wasm entered before their stamp; then their
/// pages are unmapped (with their trap-site ranges, unwind info and GDB objects, withdrawn first by the batch). One
/// per <see cref="Tier.Auto"/> engine, beside its <see cref="CodeEpochs"/>. <see cref="Reclaim"/> runs after a tier-up publishes and when an outermost entry into Wasm returns while
/// something waits that the returning thread may have held.
/// </summary>
internal sealed class RetiredCode(CodeEpochs epochs, TieringStatistics statistics)
{
    private readonly object _lock = new();
    private readonly List<BatchLife> _waiting = [];
    // Newest stamp among the waiting batches; 0 when none waits (read without the lock on the exit path).
    private long _newestWaiting;

    public CodeEpochs Epochs => epochs;

    /// <summary>
    /// Retires one item of <paramref name="life"/> (code of <paramref name="bytes"/> bytes), unpublished before
    /// <paramref name="stamp"/> was taken from <see cref="Tiering.CodeEpochs.Advance"/>.
    /// </summary>
    public void Retire(BatchLife life, long stamp, int bytes)
    {
        statistics.RecordRetired(bytes);
        lock (_lock)
        {
            life.Stamp = Math.Max(life.Stamp, stamp);
            if (--life.LiveItems == 0)
            {
                _waiting.Add(life);
                Volatile.Write(ref _newestWaiting, Math.Max(_newestWaiting, life.Stamp));
            }
        }
    }

    /// <summary>Batches waiting to be freed (for tests).</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>
    /// The cheap test an outermost exit makes: something waits that a thread entered at <paramref name="entered"/>
    /// may have been holding.
    /// </summary>
    public bool MayFreeAfterExit(long entered)
    {
        long newest = Volatile.Read(ref _newestWaiting);
        return newest != 0 && entered < newest;
    }

    /// <summary>Frees every waiting batch no thread can be in any more; returns how many were freed.</summary>
    public int Reclaim()
    {
        List<BatchLife>? free = null;
        lock (_lock)
        {
            if (_waiting.Count == 0)
            {
                return 0;
            }
            long oldest = epochs.OldestInside();
            long newest = 0;
            for (int i = _waiting.Count - 1; i >= 0; i--)
            {
                BatchLife life = _waiting[i];
                if (life.Batch.IsDisposed || life.Stamp <= oldest)
                {
                    (free ??= []).Add(life);
                    _waiting.RemoveAt(i);
                }
                else
                {
                    newest = Math.Max(newest, life.Stamp);
                }
            }
            Volatile.Write(ref _newestWaiting, newest);
        }
        if (free is null)
        {
            return 0;
        }
        int freed = 0;
        foreach (BatchLife life in free)
        {
            // A batch its engine already freed (engine disposal) is not counted again.
            if (!life.Batch.IsDisposed)
            {
                long bytes = life.Batch.CodeBytes + (long)life.Batch.ReadOnlyDataBytes;
                life.Batch.Dispose();
                statistics.RecordFreed(life.Items, bytes);
                freed++;
            }
        }
        return freed;
    }
}
