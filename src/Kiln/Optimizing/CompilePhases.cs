namespace Kiln.Optimizing;

/// <summary>
/// Where the optimizing tier's compile time and allocations go, summed over every function it compiles while
/// <see cref="Current"/> is set (benchmarks set it, <c>Kiln.Benchmarks optphases</c>; the compiler only checks it for
/// null otherwise). Per phase: the thread's CPU time (so a loaded machine does not inflate it; a collection the
/// phase's allocations trigger on the thread counts too) and the bytes the thread allocated. Phases nest only through the inliner,
/// whose time includes building its callees. Thread-safe.
/// </summary>
internal sealed class CompilePhases
{
    /// <summary>The collector the compilers report to, or null (the default: nothing is measured).</summary>
    public static CompilePhases? Current { get; set; }

    private readonly object _lock = new();
    private readonly Dictionary<string, (long Ticks, long Bytes, long Count)> _phases = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    /// <summary>Starts phase <paramref name="prefix"/><paramref name="name"/> when <paramref name="phases"/> is set (else a mark that records nothing).</summary>
    public static Mark Start(CompilePhases? phases, string prefix, string name) =>
        phases is null ? default : new Mark(phases, prefix.Length == 0 ? name : prefix + name);

    /// <summary>A running phase; <see cref="End()"/> adds its CPU time and allocations to its name.</summary>
    public readonly struct Mark
    {
        private readonly CompilePhases? _phases;
        private readonly string _name;
        private readonly long _ticks;
        private readonly long _bytes;

        public Mark(CompilePhases phases, string name)
        {
            _phases = phases;
            _name = name;
            _ticks = Compiled.NativeStack.ThreadCpuTime().Ticks;
            _bytes = GC.GetAllocatedBytesForCurrentThread();
        }

        /// <summary>Ends the phase now.</summary>
        public void End() => _phases?.Add(_name, Compiled.NativeStack.ThreadCpuTime().Ticks - _ticks, GC.GetAllocatedBytesForCurrentThread() - _bytes);

        /// <summary>Ends the phase where <paramref name="next"/> started.</summary>
        public void End(in Mark next) => _phases?.Add(_name, next._ticks - _ticks, next._bytes - _bytes);
    }

    public void Add(string name, long ticks, long bytes)
    {
        lock (_lock)
        {
            if (!_phases.TryGetValue(name, out (long Ticks, long Bytes, long Count) p))
            {
                _order.Add(name);
            }
            _phases[name] = (p.Ticks + ticks, p.Bytes + bytes, p.Count + 1);
        }
    }

    /// <summary>The phases in the order first seen: milliseconds, megabytes allocated, times run.</summary>
    public IReadOnlyList<(string Name, double Milliseconds, double Megabytes, long Count)> Totals()
    {
        lock (_lock)
        {
            return [.. _order.Select(n => (n, _phases[n].Ticks / (double)TimeSpan.TicksPerMillisecond, _phases[n].Bytes / 1e6, _phases[n].Count))];
        }
    }

    public void Clear()
    {
        lock (_lock)
        {
            _phases.Clear();
            _order.Clear();
        }
    }
}
