using System.Globalization;
using Kiln.Jit.Diagnostics;

namespace Kiln.Tests.Api;

/// <summary>
/// The engine's profiler and debugger options on the baseline tier: compiled functions, trampolines and stubs appear
/// in the perf map and the jitdump under <c>module!function</c> names, debug info registers without disturbing
/// execution, and everything is off (no observer at all) by default.
/// </summary>
public class EngineDiagnosticsTests
{
    private const string Wat = """
        (module $calc
          (func $add (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
          (func $twice (export "twice") (param i32) (result i32) (call $add (local.get 0) (local.get 0))))
        """;

    /// <summary>
    /// Deletes a file or directory when the test process exits. A missing one (the test failed before
    /// creating it) is no error: an exception in a ProcessExit handler would fail the whole test host.
    /// </summary>
    private static void DeleteAtExit(string path, Action<string> delete) =>
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                delete(path);
            }
            catch (IOException)
            {
                // Already gone, or never written.
            }
        };

    [Fact]
    public void ThePerfMapNamesEveryCompiledFunctionTrampolineAndStubWithoutOverlap()
    {
        // The process's perf map stays in use until the process ends; then it goes, so runs leave no file in /tmp.
        DeleteAtExit($"/tmp/perf-{Environment.ProcessId}.map", File.Delete);
        using var engine = new Engine(new EngineOptions { Tier = Tier.Baseline, Profiler = CodeProfiler.PerfMap });
        using var store = new Store(engine);
        Instance instance = new Linker(engine).Instantiate(store, Module.FromText(engine, Wat));
        Assert.Equal(42, instance.GetFunction("twice")!.Invoke([Value.FromI32(21)])[0].AsI32());
        Assert.Contains("perf map", engine.DescribeDiagnostics());

        var lines = File.ReadAllLines($"/tmp/perf-{Environment.ProcessId}.map")
            .Select(l => l.Split(' ', 3))
            .Select(p => (Start: long.Parse(p[0], NumberStyles.HexNumber), Size: long.Parse(p[1], NumberStyles.HexNumber), Name: p[2]))
            .ToList();
        Assert.Contains(lines, l => l.Name == "calc!add");
        Assert.Contains(lines, l => l.Name == "calc!twice");
        Assert.Contains(lines, l => l.Name.StartsWith("calc!entry_trampoline", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Name == "kiln!managed_call_stub");
        var ours = lines.Where(l => l.Name.StartsWith("calc!", StringComparison.Ordinal)).OrderBy(l => l.Start).ToList();
        for (int i = 1; i < ours.Count; i++)
        {
            Assert.True(ours[i - 1].Start + ours[i - 1].Size <= ours[i].Start, $"{ours[i - 1]} overlaps {ours[i]}");
        }
    }

    [Fact]
    public void TheJitDumpHoldsTheCompiledFunctions()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"kiln-engine-jitdump-{Environment.ProcessId}");
        Environment.SetEnvironmentVariable("KILN_JITDUMP_DIR", dir);
        // The process's one jitdump stays open until the process ends; so does its directory.
        DeleteAtExit(dir, d => Directory.Delete(d, recursive: true));
        using var engine = new Engine(new EngineOptions { Tier = Tier.Baseline, Profiler = CodeProfiler.JitDump });
        using var store = new Store(engine);
        Instance instance = new Linker(engine).Instantiate(store, Module.FromText(engine, Wat));
        Assert.Equal(5, instance.GetFunction("add")!.Invoke([Value.FromI32(2), Value.FromI32(3)])[0].AsI32());
        string description = engine.DescribeDiagnostics();
        Assert.Contains("jitdump", description);
        string path = description[(description.IndexOf("jitdump ", StringComparison.Ordinal) + 8)..].Split(',')[0];
        byte[] dump = File.ReadAllBytes(path);
        Assert.Equal(0x4A695444u, BitConverter.ToUInt32(dump, 0));
        string text = System.Text.Encoding.UTF8.GetString(dump);
        Assert.Contains("calc!add\0", text);
        Assert.Contains("calc!twice\0", text);
    }

    [Fact]
    public void DebugInfoRegistersAndTheCodeStillRunsAndFrees()
    {
        using (var engine = new Engine(new EngineOptions { Tier = Tier.Baseline, DebugInfo = true }))
        {
            using var store = new Store(engine);
            Instance instance = new Linker(engine).Instantiate(store, Module.FromText(engine, Wat));
            Assert.Equal(14, instance.GetFunction("twice")!.Invoke([Value.FromI32(7)])[0].AsI32());
            Assert.Contains("GDB JIT interface", engine.DescribeDiagnostics());
            Assert.Contains("unwind info", engine.DescribeDiagnostics());
        }
    }

    [Fact]
    public void EverythingIsOffByDefault()
    {
        using var engine = new Engine(new EngineOptions { Tier = Tier.Baseline });
        Assert.Equal("off", engine.DescribeDiagnostics());
    }
}
