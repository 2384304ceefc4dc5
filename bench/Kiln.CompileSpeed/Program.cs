using System.Diagnostics;
using System.Globalization;
using Kiln;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using Kiln.Wasm.Validation;

namespace Kiln.CompileSpeed;

/// <summary>
/// Measures how fast Kiln turns a large module into something runnable, in MB/s of function-body
/// instruction bytes: decode, validate, and compile on every tier the engine accepts (a tier not
/// built yet is reported as such, and measured automatically once it exists). Wall time and
/// process CPU time are both reported, so a compiler that uses several threads shows it.
/// Usage: <c>Kiln.CompileSpeed MODULE.wasm [REPETITIONS]</c>; the least wall and the least CPU time over the repetitions are reported.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length is < 1 or > 2)
        {
            Console.Error.WriteLine("usage: Kiln.CompileSpeed MODULE.wasm [REPETITIONS]");
            return 2;
        }
        byte[] bytes = File.ReadAllBytes(args[0]);
        int repetitions = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;

        WasmModule model = ModuleReader.Read(bytes);
        long bodyBytes = model.Bodies.Sum(b => (long)b.Code.Length);
        Console.WriteLine($"module: {Path.GetFileName(args[0])}, {bytes.Length / 1e6:F1} MB, {model.Bodies.Count} functions, {bodyBytes / 1e6:F2} MB of instructions; {Environment.ProcessorCount} cores");
        // On a loaded machine wall time includes waiting for a core; CPU time does not, and exceeds
        // wall time when a phase uses several threads.
        Console.WriteLine($"{"phase",-34} {"wall ms",9} {"cpu ms",9} {"MB/s wall",10} {"MB/s cpu",9}");

        Measure("decode", bodyBytes, repetitions, () => ModuleReader.Read(bytes));
        Measure("validate", bodyBytes, repetitions, () => ModuleValidator.Validate(model));
        Measure("decode+validate", bodyBytes, repetitions, () => ModuleValidator.Validate(ModuleReader.Read(bytes)));
        foreach (Tier tier in Enum.GetValues<Tier>())
        {
            Engine engine;
            try
            {
                engine = new Engine(new EngineOptions { Tier = tier });
            }
            catch (UnsupportedFeatureException e)
            {
                Console.WriteLine($"{"compile " + tier,-34} not available: {e.Message}");
                continue;
            }
            using (engine)
            {
                // Module.FromWasmModule compiles every function for the engine's tier (the interpreter's translation).
                Measure("compile " + tier, bodyBytes, repetitions, () => Module.FromWasmModule(engine, model));
                // Bytes to runnable module, the figure comparable with V8, whose Liftoff decodes and validates as it compiles.
                Measure("decode+validate+compile " + tier, bodyBytes, repetitions, () =>
                {
                    WasmModule m = ModuleReader.Read(bytes);
                    ModuleValidator.Validate(m);
                    Module.FromWasmModule(engine, m);
                });
            }
        }
        return 0;
    }

    private static void Measure(string phase, long bodyBytes, int repetitions, Action action)
    {
        action(); // warm-up: JIT the compiler itself
        double best = double.MaxValue, bestCpu = double.MaxValue;
        for (int i = 0; i < repetitions; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            long t0 = Stopwatch.GetTimestamp();
            action();
            double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds;
            best = Math.Min(best, ms);
            bestCpu = Math.Min(bestCpu, cpu);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{phase,-34} {best,9:F1} {bestCpu,9:F0} {bodyBytes / 1e6 / (best / 1000),10:F1} {bodyBytes / 1e6 / (Math.Max(bestCpu, 1) / 1000),9:F1}"));
    }
}
