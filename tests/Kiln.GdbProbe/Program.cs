using Kiln;

// Runs a small module on the baseline tier with the engine's diagnostics on, for tests under gdb and perf
// (tests/Kiln.Tests/Api/EngineDiagnosticsToolTests.cs):
//   debug               DebugInfo: calc!twice -> calc!add once, then free the engine and call getpgrp (a place to break)
//   jitdump SECONDS     Profiler = JitDump: spin in calc!spin for SECONDS
//   perfmap SECONDS     Profiler = PerfMap: the same
const string Wat = """
    (module $calc
      (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
      (func $twice (export "twice") (param i32) (result i32) (call $add (local.get 0) (local.get 0)))
      (func $spin (export "spin") (param i32) (result i32) (local i32)
        (loop $l (local.set 1 (i32.add (local.get 1) (i32.mul (local.get 0) (i32.const 3))))
                 (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
        (local.get 1)))
    """;
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: Kiln.GdbProbe debug | jitdump SECONDS | perfmap SECONDS");
    return 2;
}
double seconds = args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 0;
EngineOptions options = args[0] switch
{
    "debug" => new EngineOptions { Tier = Tier.Baseline, DebugInfo = true },
    "jitdump" => new EngineOptions { Tier = Tier.Baseline, Profiler = CodeProfiler.JitDump },
    "perfmap" => new EngineOptions { Tier = Tier.Baseline, Profiler = CodeProfiler.PerfMap },
    _ => throw new ArgumentException($"unknown mode {args[0]}"),
};
using (var engine = new Engine(options))
{
    using var store = new Store(engine);
    Instance instance = new Linker(engine).Instantiate(store, Module.FromText(engine, Wat));
    Console.WriteLine($"diagnostics: {engine.DescribeDiagnostics()}");
    if (args[0] == "debug")
    {
        Console.WriteLine($"twice(21) = {instance.GetFunction("twice")!.Invoke([Value.FromI32(21)])[0].AsI32()}");
    }
    else
    {
        Func spin = instance.GetFunction("spin")!;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long calls = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            spin.Invoke([Value.FromI32(5_000_000)]);
            calls++;
        }
        Console.WriteLine($"calls {calls}");
    }
}
Console.WriteLine($"freed; getpgrp {Native.GetPgrp()}");
return 0;

internal static partial class Native
{
    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "getpgrp")]
    public static partial int GetPgrp();
}
