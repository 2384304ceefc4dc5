using System.Diagnostics;
using System.Globalization;
using Kiln.FrontEnd;
using Kiln.Optimizing;
using Kiln.Optimizing.Ir;
using Kiln.Optimizing.Passes;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;
using Kiln.Wasm.Validation;

namespace Kiln.Benchmarks.Optimizing;

/// <summary>
/// Times the optimizing tier's front half per function: SSA construction, then the default passes (without the
/// verifier between them, as the tier runs them, and the verifier separately). Prints the largest functions and the
/// totals over the module in MB/s of body bytes.
/// Usage: <c>Kiln.Benchmarks optspeed MODULE.wasm [LARGEST] [FUNCTION...]</c>; FUNCTION is a function index
/// (imports counted) to print whatever its size; with LARGEST 0 only the named functions are compiled (for profiling).
/// </summary>
internal static class OptimizingSpeed
{
    public static int Run(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: Kiln.Benchmarks optspeed MODULE.wasm [LARGEST] [FUNCTION...]");
            return 2;
        }
        WasmModule model = ModuleReader.Read(File.ReadAllBytes(args[0]));
        int largest = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        var named = new HashSet<int>(args.Skip(2).Select(a => int.Parse(a, CultureInfo.InvariantCulture)));
        var spaces = new IndexSpaces(ModuleValidator.Validate(model));
        int imports = spaces.ImportedFunctionCount;
        var builder = new SsaBuilder(spaces);
        // Warm-up: the first functions would otherwise pay for JIT-compiling the builder and the passes.
        for (int i = 0; largest > 0 && i < model.Bodies.Count; i += 7)
        {
            try
            {
                PassPipeline.RunUnverified(builder.Build(i), PassPipeline.Default);
            }
            catch (Exception e) when (e is ResourceLimitException or UnsupportedFeatureException)
            {
            }
        }
        var rows = new List<(int Index, int Bytes, int Blocks, int Values, double Build, double Passes, double Verify, string Note)>();
        double totalBuild = 0, totalPasses = 0, totalVerify = 0;
        long bytes = 0, builtBytes = 0;
        int refused = 0;
        double maxRatio = 0;
        int maxJoin = 0;
        var all = Stopwatch.StartNew();
        TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        for (int i = 0; i < model.Bodies.Count; i++)
        {
            if (largest == 0 && !named.Contains(imports + i))
            {
                continue;
            }
            int size = model.Bodies[i].Code.Length;
            bytes += size;
            long t0 = Stopwatch.GetTimestamp();
            IrFunction f;
            try
            {
                f = builder.Build(i);
            }
            catch (Exception e) when (e is ResourceLimitException or UnsupportedFeatureException)
            {
                double refusedMs = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                totalBuild += refusedMs;
                refused++;
                rows.Add((imports + i, size, 0, 0, refusedMs, 0, 0, "refused: " + e.GetType().Name));
                continue;
            }
            double build = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            int blocks = f.Layout.Count;
            int values = f.ValueCount;
            maxRatio = Math.Max(maxRatio, (builder.JoinLookupCount - 65536.0) / size);
            maxJoin = Math.Max(maxJoin, builder.JoinLookupCount);
            long t1 = Stopwatch.GetTimestamp();
            PassPipeline.RunUnverified(f, PassPipeline.Default);
            double passes = Stopwatch.GetElapsedTime(t1).TotalMilliseconds;
            long t2 = Stopwatch.GetTimestamp();
            IrVerifier.VerifyOrThrow(f);
            double verify = Stopwatch.GetElapsedTime(t2).TotalMilliseconds;
            totalBuild += build;
            totalPasses += passes;
            totalVerify += verify;
            builtBytes += size;
            rows.Add((imports + i, size, blocks, values, build, passes, verify, ""));
        }
        double wall = all.Elapsed.TotalMilliseconds;
        double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds;
        Console.WriteLine($"{"func",7} {"bytes",8} {"blocks",7} {"values",8} {"build ms",9} {"passes ms",9} {"verify ms",9}");
        foreach (var r in rows.OrderByDescending(r => r.Bytes).Take(largest).Concat(rows.Where(r => named.Contains(r.Index))))
        {
            Console.WriteLine($"{r.Index,7} {r.Bytes,8} {r.Blocks,7} {r.Values,8} {r.Build,9:F1} {r.Passes,9:F1} {r.Verify,9:F1} {r.Note}");
        }
        Console.WriteLine("slowest per byte:");
        foreach (var r in rows.OrderByDescending(r => (r.Build + r.Passes) / r.Bytes).Take(largest))
        {
            Console.WriteLine($"{r.Index,7} {r.Bytes,8} {r.Blocks,7} {r.Values,8} {r.Build,9:F1} {r.Passes,9:F1} {r.Verify,9:F1} {r.Note}");
        }
        Console.WriteLine($"{"body size",-16} {"functions",9} {"MB",6} {"build ms",9} {"passes ms",9} {"MB/s",6}");
        foreach ((int low, int high) in new[] { (0, 1000), (1000, 10_000), (10_000, 100_000), (100_000, int.MaxValue) })
        {
            var bucket = rows.Where(r => r.Bytes >= low && r.Bytes < high).ToList();
            double mb = bucket.Sum(r => (double)r.Bytes) / 1e6;
            double ms = bucket.Sum(r => r.Build + r.Passes);
            Console.WriteLine($"{$"{low}..{(high == int.MaxValue ? "" : high.ToString(CultureInfo.InvariantCulture))}",-16} {bucket.Count,9} {mb,6:F2} {bucket.Sum(r => r.Build),9:F0} {bucket.Sum(r => r.Passes),9:F0} {mb / (ms / 1000),6:F2}");
        }
        Console.WriteLine($"{model.Bodies.Count} functions ({refused} refused), {bytes / 1e6:F2} MB of bodies; build {totalBuild:F0} ms, passes {totalPasses:F0} ms, verify {totalVerify:F0} ms; whole loop: wall {wall:F0} ms, process cpu {cpu:F0} ms (GC threads included)");
        Console.WriteLine($"most join lookups: {maxJoin}; highest (lookups - {SsaBuilder.JoinLookupsBase}) per body byte: {maxRatio:F2} (limit {SsaBuilder.JoinLookupsPerBodyByte})");
        Console.WriteLine($"build+passes: {bytes / 1e6 / ((totalBuild + totalPasses) / 1000):F2} MB/s");
        return 0;
    }
}
