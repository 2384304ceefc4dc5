using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kiln.Jit;
using Kiln.Jit.Diagnostics;
using Kiln.Jit.GdbProbe;

// A real program for testing Kiln's diagnostics with gdb and perf (see tests/Kiln.Jit.Tests/Diagnostics):
//   gdb                  register with GDB; libc qsort -> probe!entry -> probe!outer -> probe!inner -> a C# host
//                        function; then a direct call; then free the code and call getpgrp (a place to break after the free)
//   perfmap SECONDS      write /tmp/perf-PID.map, then spend SECONDS mostly inside probe!inner
//   jitdump SECONDS [dual]  write a jitdump (optionally from dual-mapped code memory), then spin the same way
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: Kiln.Jit.GdbProbe gdb | perfmap SECONDS | jitdump SECONDS [dual]");
    return 2;
}
string mode = args[0];
double seconds = args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 0;
bool dual = args.Length > 2 && args[2] == "dual";

var options = mode switch
{
    "gdb" => new JitDiagnosticsOptions { DebugInfo = true },
    "perfmap" => new JitDiagnosticsOptions { Profiler = JitProfiler.PerfMap },
    "jitdump" => new JitDiagnosticsOptions { Profiler = JitProfiler.JitDump },
    _ => null,
};
if (options is null)
{
    Console.Error.WriteLine($"unknown mode {mode}");
    return 2;
}

var diagnostics = new JitDiagnostics(options);
using var memory = new CodeMemory(new CodeMemoryOptions
{
    Strategy = dual ? CodeMemoryStrategy.DualMapping : CodeMemoryStrategy.Mprotect,
    UseEnvironment = false,
});
nint host;
unsafe
{
    host = (nint)(delegate* unmanaged<nint, nint, long>)&Host.Callback;
}
ProbeFunctions.Installed probe = ProbeFunctions.Install(memory, diagnostics, host);
Console.WriteLine($"diagnostics: {diagnostics.Describe()}");
Console.WriteLine($"outer 0x{probe.OuterAddress:x} inner 0x{probe.InnerAddress:x}");

unsafe
{
    if (mode == "gdb")
    {
        // A native caller with unwind info below the generated frames: qsort calls probe!entry as its comparator.
        long* pair = stackalloc long[2] { 2, 1 };
        Host.QSort(pair, 2, 8, probe.EntryAddress);
        Console.WriteLine($"host calls {Host.Calls}");
        Console.WriteLine($"result {probe.Call(host, 1, 0, 0)}");
        Console.Out.Flush();
        probe.Dispose();
        Console.WriteLine($"freed; getpgrp {Host.GetPgrp()}");
    }
    else
    {
        var clock = Stopwatch.StartNew();
        long calls = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            probe.Call(host, 20_000_000, 0, 0);
            calls++;
        }
        Console.WriteLine($"calls {calls}");
        probe.Dispose();
    }
}
Console.Out.Flush();
return 0;

internal static unsafe partial class Host
{
    public static int Calls;

    [UnmanagedCallersOnly]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long Callback(nint a0, nint a1)
    {
        Calls++;
        return 41 + a0 + a1;
    }

    [LibraryImport("libc", EntryPoint = "getpgrp")]
    public static partial int GetPgrp();

    [LibraryImport("libc", EntryPoint = "qsort")]
    public static partial void QSort(long* items, nuint count, nuint size, nint compare);
}
