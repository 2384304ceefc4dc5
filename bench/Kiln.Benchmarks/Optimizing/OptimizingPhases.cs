using System.Diagnostics;
using System.Globalization;
using Kiln.Optimizing;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using Kiln.Wasm.Validation;

namespace Kiln.Benchmarks.Optimizing;

/// <summary>
/// Compiles a whole module on the optimizing tier on one thread, as <c>bench/compile-speed.sh</c> does, with
/// <see cref="CompilePhases"/> collecting where the time and the allocations go: the builder, speculation, the
/// inliner (callees' builds included, also listed as "callee ..."), each pass of the default pipeline, register
/// allocation, emission, the baseline fallback and the batch's end; then the process's CPU time and GC counts.
/// Usage: <c>Kiln.Benchmarks optphases MODULE.wasm [REPETITIONS] [--tier T]</c>; the repetition with the least CPU
/// time is printed (after one warm-up, which JIT-compiles the compiler).
/// </summary>
internal static class OptimizingPhases
{
    public static int Run(string[] args)
    {
        var positional = new List<string>();
        Tier tier = Tier.Optimizing;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--tier" && i + 1 < args.Length)
            {
                tier = Enum.Parse<Tier>(args[++i], ignoreCase: true);
            }
            else
            {
                positional.Add(args[i]);
            }
        }
        if (positional.Count is < 1 or > 2)
        {
            Console.Error.WriteLine("usage: Kiln.Benchmarks optphases MODULE.wasm [REPETITIONS] [--tier T]");
            return 2;
        }
        WasmModule model = ModuleReader.Read(File.ReadAllBytes(positional[0]));
        ModuleValidator.Validate(model);
        int repetitions = positional.Count > 1 ? int.Parse(positional[1], CultureInfo.InvariantCulture) : 3;
        long bodyBytes = model.Bodies.Sum(b => (long)b.Code.Length);
        using var engine = new Engine(new EngineOptions { Tier = tier, CompilationThreads = 1 });
        Module.FromWasmModule(engine, model);

        var phases = new CompilePhases();
        IReadOnlyList<(string Name, double Milliseconds, double Megabytes, long Count)>? best = null;
        double bestCpu = double.MaxValue, bestWall = 0;
        string gcs = "";
        for (int r = 0; r < repetitions; r++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            phases.Clear();
            int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
            TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            long t0 = Stopwatch.GetTimestamp();
            CompilePhases.Current = phases;
            try
            {
                Module.FromWasmModule(engine, model);
            }
            finally
            {
                CompilePhases.Current = null;
            }
            double wall = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds;
            if (cpu < bestCpu)
            {
                bestCpu = cpu;
                bestWall = wall;
                best = phases.Totals();
                gcs = $"{GC.CollectionCount(0) - g0}/{GC.CollectionCount(1) - g1}/{GC.CollectionCount(2) - g2}";
            }
        }
        Console.WriteLine($"{Path.GetFileName(positional[0])}: {model.Bodies.Count} functions, {bodyBytes / 1e6:F2} MB of bodies, tier {tier}, one thread");
        Console.WriteLine($"{"phase",-28} {"ms",9} {"%",6} {"MB alloc",9} {"count",8}");
        double sum = best!.Where(p => !p.Name.StartsWith("callee ", StringComparison.Ordinal)).Sum(p => p.Milliseconds);
        foreach ((string name, double ms, double mb, long count) in best!)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-28} {ms,9:F1} {100 * ms / sum,6:F1} {mb,9:F0} {count,8}"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"phases {sum:F0} ms; whole compile: wall {bestWall:F0} ms, process CPU {bestCpu:F0} ms ({bodyBytes / 1e6 / (bestCpu / 1000):F2} MB/s of CPU time); GCs gen0/1/2 {gcs}"));
        if (engine.OptimizingStatistics is { } statistics)
        {
            // Summed over the warm-up compile and every repetition.
            Console.WriteLine($"over all {repetitions + 1} compiles: {statistics.Describe()}");
        }
        return 0;
    }
}
