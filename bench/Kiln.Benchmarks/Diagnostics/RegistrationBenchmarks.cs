using BenchmarkDotNet.Attributes;
using Kiln.Jit;
using Kiln.Jit.Diagnostics;

namespace Kiln.Benchmarks;

/// <summary>
/// What each diagnostics mode adds to installing a batch: reserve, write 64 functions of 128 bytes (standard frame,
/// an 8-entry line table each), seal, register, free. <see cref="DiagnosticsMode.Off"/> is the baseline; the
/// difference is the compile-time overhead of a mode. A fixed, small invocation count keeps the perf map and
/// jitdump files (which only grow) to a few tens of megabytes.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5, invocationCount: 256)]
public class RegistrationBenchmarks
{
    private const int CodeSize = 128;

    private CodeMemory _memory = null!;
    private JitDiagnostics _diagnostics = null!;
    private string _directory = null!;
    private byte[] _code = null!;
    private SourceLocation[] _lines = null!;

    public enum DiagnosticsMode
    {
        Off,
        PerfMap,
        JitDump,
        Unwind,
        Debug,
    }

    [Params(DiagnosticsMode.Off, DiagnosticsMode.PerfMap, DiagnosticsMode.JitDump, DiagnosticsMode.Unwind, DiagnosticsMode.Debug)]
    public DiagnosticsMode Mode { get; set; }

    [Params(64)]
    public int Functions { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("kiln-bench-diagnostics-").FullName;
        _memory = new CodeMemory(new CodeMemoryOptions { Strategy = CodeMemoryStrategy.Mprotect, UseEnvironment = false });
        _diagnostics = new JitDiagnostics(Mode switch
        {
            DiagnosticsMode.PerfMap => new JitDiagnosticsOptions { Profiler = JitProfiler.PerfMap, PerfMapPath = Path.Combine(_directory, "perf.map") },
            DiagnosticsMode.JitDump => new JitDiagnosticsOptions { Profiler = JitProfiler.JitDump, JitDumpDirectory = _directory },
            DiagnosticsMode.Unwind => new JitDiagnosticsOptions { UnwindInfo = true },
            DiagnosticsMode.Debug => new JitDiagnosticsOptions { DebugInfo = true },
            _ => new JitDiagnosticsOptions(),
        });
        // push rbp; mov rbp, rsp; nops; pop rbp; ret
        _code = [0x55, 0x48, 0x89, 0xE5, .. Enumerable.Repeat((byte)0x90, CodeSize - 6), 0x5D, 0xC3];
        _lines = [.. Enumerable.Range(0, 8).Select(i => new SourceLocation(i * 16, "module.wat", 10 + i))];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _memory.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark]
    public int InstallRegisterFree()
    {
        using CodeBatchBuilder builder = _memory.CreateBatch(Functions * CodeSize);
        var items = new CodeItem[Functions];
        for (int i = 0; i < Functions; i++)
        {
            items[i] = builder.AddFunction(_code);
        }
        using CodeBatch batch = builder.Seal();
        if (_diagnostics.IsEnabled)
        {
            var functions = new JitFunction[Functions];
            for (int i = 0; i < Functions; i++)
            {
                functions[i] = new JitFunction($"module!function{i}", items[i], FrameLayout.RbpFrame(1, 4).WithEpilogue(CodeSize - 1, CodeSize), _lines);
            }
            _diagnostics.Register(batch, functions);
        }
        return batch.FunctionCount;
    }
}
