using System.Collections.Concurrent;
using System.Diagnostics;
using Kiln.Compiled;

namespace Kiln.Tiering;

/// <summary>
/// The engine's hot functions waiting for the optimizing tier (<see cref="Tier.Auto"/>), and the background thread
/// that compiles them. The thread takes every request waiting at the time, compiles each module's share as one
/// chunk and installs it with one seal (<see cref="ModuleCode.TierUp(int[], int[], out int)"/>), so a burst of tier-ups costs one
/// permission change per module, not one per function. Code keeps running on the baseline meanwhile. With
/// <see cref="EngineOptions.TierUpSynchronously"/> the thread that found the function hot compiles it at once.
/// On-stack-replacement entries (<see cref="RequestOsr"/>) go through the same queue and into the same chunks.
/// </summary>
internal sealed class TierUpQueue : IDisposable
{
    private readonly BlockingCollection<(ModuleCode Module, int DefinedIndex, int OsrLoop)> _requests = new();
    private readonly BlockingCollection<(ModuleCode Module, int DefinedIndex)> _retiers = new();
    private int _retiersPending;
    private long _lastGuardCheck;
    private bool _disposed;
    private Thread? _retierThread;
    private readonly TieringStatistics _statistics;
    private readonly bool _synchronous;
    private readonly object _startLock = new();
    private Thread? _thread;

    public TierUpQueue(Engine engine, TieringStatistics statistics)
    {
        _statistics = statistics;
        _synchronous = engine.Options.TierUpSynchronously;
    }

    /// <summary>Queues defined function <paramref name="definedIndex"/> of <paramref name="module"/> (called once per function).</summary>
    public void Request(ModuleCode module, int definedIndex)
    {
        _statistics.RecordRequest();
        Enqueue((module, definedIndex, -1));
    }

    /// <summary>Queues an on-stack-replacement entry for loop <paramref name="loop"/> of <paramref name="module"/> (<see cref="OsrLoops"/>; called once per loop).</summary>
    public void RequestOsr(ModuleCode module, int loop)
    {
        _statistics.RecordOsrRequest();
        Enqueue((module, -1, loop));
    }

    /// <summary>
    /// Queues an optimized function for compiling again without speculation at a site that kept failing
    /// (<see cref="Retiering"/>). Re-tiers have a thread of their own, so they do not wait behind a long batch.
    /// </summary>
    public void RequestRetier(ModuleCode module, int definedIndex)
    {
        _statistics.RecordRetier();
        Interlocked.Increment(ref _retiersPending);
        if (_synchronous)
        {
            Retier(module, definedIndex);
            return;
        }
        lock (_startLock)
        {
            if (_disposed)
            {
                // The engine is being disposed: nothing will run the code any more.
                Interlocked.Decrement(ref _retiersPending);
                return;
            }
            if (_retierThread is null)
            {
                _retierThread = new Thread(RunRetiers) { IsBackground = true, Name = "Kiln re-tier" };
                _retierThread.Start();
            }
            _retiers.Add((module, definedIndex));
        }
    }

    /// <summary>
    /// Whether the guard-failure check (<see cref="Retiering.Check"/>) should run now: always when tier-ups are
    /// synchronous (tests count on which return finds a failure), else at most once per tick of
    /// <see cref="Environment.TickCount64"/>, so an embedder calling into Wasm millions of times a second does not
    /// scan the sites at every return.
    /// </summary>
    public bool ShouldCheckGuards()
    {
        if (_synchronous)
        {
            return true;
        }
        long now = Environment.TickCount64;
        long last = Volatile.Read(ref _lastGuardCheck);
        return now != last && Interlocked.CompareExchange(ref _lastGuardCheck, now, last) == last;
    }

    private void RunRetiers()
    {
        foreach ((ModuleCode module, int definedIndex) in _retiers.GetConsumingEnumerable())
        {
            Retier(module, definedIndex);
        }
    }

    private void Retier(ModuleCode module, int definedIndex)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            module.Retier(definedIndex);
            _statistics.RecordRetierTime(watch.Elapsed);
        }
        catch (Exception e)
        {
            // The speculating code stays installed, and correct.
            _statistics.RecordFailure(0, watch.Elapsed, e);
        }
        finally
        {
            Interlocked.Decrement(ref _retiersPending);
        }
    }

    private void Enqueue((ModuleCode Module, int DefinedIndex, int OsrLoop) request)
    {
        if (_synchronous)
        {
            Compile([request]);
            return;
        }
        EnsureStarted();
        try
        {
            _requests.Add(request);
        }
        catch (InvalidOperationException)
        {
            // The engine is being disposed: nothing will run the optimized code anyway.
        }
    }

    private void EnsureStarted()
    {
        if (Volatile.Read(ref _thread) is not null)
        {
            return;
        }
        lock (_startLock)
        {
            if (_thread is null)
            {
                var thread = new Thread(Run) { IsBackground = true, Name = "Kiln tier-up" };
                thread.Start();
                Volatile.Write(ref _thread, thread);
            }
        }
    }

    private void Run()
    {
        var batch = new List<(ModuleCode, int, int)>();
        foreach ((ModuleCode Module, int DefinedIndex, int OsrLoop) first in _requests.GetConsumingEnumerable())
        {
            batch.Clear();
            batch.Add(first);
            while (_requests.TryTake(out (ModuleCode, int, int) more))
            {
                batch.Add(more);
            }
            Compile(batch);
        }
    }

    /// <summary>Compiles the requests, one chunk and one seal per module; a failure leaves those functions on the baseline.</summary>
    private void Compile(List<(ModuleCode Module, int DefinedIndex, int OsrLoop)> requests)
    {
        foreach (IGrouping<ModuleCode, (ModuleCode Module, int DefinedIndex, int OsrLoop)> group in requests.GroupBy(r => r.Module))
        {
            int[] indices = [.. group.Where(r => r.OsrLoop < 0).Select(r => r.DefinedIndex).Distinct().Order()];
            int[] loops = [.. group.Where(r => r.OsrLoop >= 0).Select(r => r.OsrLoop).Distinct().Order()];
            var watch = Stopwatch.StartNew();
            try
            {
                int moved = group.Key.TierUp(indices, loops, out int osrInstalled);
                _statistics.RecordOsrBatch(osrInstalled, loops.Length - osrInstalled);
                _statistics.RecordBatch(moved, indices.Length - moved, watch.Elapsed, installed: moved + osrInstalled > 0);
            }
            catch (Exception e)
            {
                // An optimizing-tier bug or a code-memory failure must not take the process down: the baseline code
                // stays installed and correct.
                _statistics.RecordFailure(indices.Length + loops.Length, watch.Elapsed, e);
            }
        }
    }

    /// <summary>Stops taking requests and waits for the compile in progress, before the engine frees code memory.</summary>
    public void Dispose()
    {
        Thread? retiers;
        lock (_startLock)
        {
            // No re-tier is queued after this (the OSR sampler's last tick may still ask).
            _disposed = true;
            retiers = _retierThread;
        }
        _requests.CompleteAdding();
        _retiers.CompleteAdding();
        Volatile.Read(ref _thread)?.Join();
        retiers?.Join();
        _requests.Dispose();
        _retiers.Dispose();
    }

    /// <summary>Blocks until every request queued so far is compiled and installed (for tests and <c>--stats</c>).</summary>
    public void WaitForIdle()
    {
        while (_statistics.Requests + _statistics.OsrRequests > _statistics.Completed || Volatile.Read(ref _retiersPending) > 0)
        {
            Thread.Sleep(1);
        }
    }
}
