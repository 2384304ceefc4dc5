using Kiln.Jit.Diagnostics;
using Kiln.Jit.GdbProbe;

namespace Kiln.Jit.Tests.Diagnostics;

/// <summary>
/// The jitdump as written in this process, read back independently: the header, per function the unwinding, debug
/// and load records in the order perf needs, the code bytes as sealed, monotonic timestamps, and the executable
/// mapping that marks the file for perf.
/// </summary>
public class JitDumpTests
{
    private const uint Load = 0;
    private const uint DebugInfo = 2;
    private const uint UnwindingInfo = 4;

    [Theory]
    [InlineData(CodeMemoryStrategy.Mprotect)]
    [InlineData(CodeMemoryStrategy.DualMapping)]
    public void EachFunctionHasUnwindingThenDebugThenLoadRecordsWithItsCode(CodeMemoryStrategy strategy)
    {
        var diagnostics = new JitDiagnostics(new JitDiagnosticsOptions
        {
            Profiler = JitProfiler.JitDump,
            JitDumpDirectory = TestJitDump.Directory,
        });
        using var memory = new CodeMemory(new CodeMemoryOptions { Strategy = strategy, UseEnvironment = false });
        using ProbeFunctions.Installed probe = ProbeFunctions.Install(memory, diagnostics);
        string path = diagnostics.JitDumpPath!;
        Assert.Equal($"jit-{Environment.ProcessId}.dump", Path.GetFileName(path));

        var dump = new JitDumpReader(path);
        Assert.Equal(0x4A695444u, dump.Magic);
        Assert.Equal(1u, dump.Version);
        Assert.Equal(40u, dump.HeaderSize);
        Assert.Equal(62u, dump.ElfMachine);
        Assert.Equal((uint)Environment.ProcessId, dump.Pid);
        Assert.Equal(0ul, dump.Flags);

        ulong previous = dump.Timestamp;
        foreach (JitDumpReader.Record record in dump.Records)
        {
            Assert.True(record.Timestamp >= previous, "timestamps go back");
            previous = record.Timestamp;
        }
        // CLOCK_MONOTONIC, as Stopwatch reads it on Linux: the last record is not in the future.
        Assert.True(previous <= (ulong)System.Diagnostics.Stopwatch.GetTimestamp() * (1_000_000_000UL / (ulong)System.Diagnostics.Stopwatch.Frequency));

        int loadIndex = dump.Records.FindIndex(r => r.Id == Load && JitDumpReader.ParseLoad(r.Payload).CodeAddress == (ulong)probe.InnerAddress);
        Assert.True(loadIndex >= 2, "no LOAD record for inner after its unwinding and debug records");
        JitDumpReader.Load load = JitDumpReader.ParseLoad(dump.Records[loadIndex].Payload);
        Assert.Equal(ProbeFunctions.InnerName, load.Name);
        Assert.Equal((ulong)probe.InnerAddress, load.Vma);
        Assert.Equal((uint)Environment.ProcessId, load.Pid);
        Assert.Equal(probe.Batch.GetBytes(probe.Inner.Item!.Value).ToArray(), load.Code);

        JitDumpReader.Record debug = dump.Records[loadIndex - 1];
        Assert.Equal(DebugInfo, debug.Id);
        var (codeAddress, entries) = JitDumpReader.ParseDebugInfo(debug.Payload);
        Assert.Equal((ulong)probe.InnerAddress, codeAddress);
        Assert.Equal(probe.Inner.Lines.Count, entries.Count);
        for (int i = 0; i < entries.Count; i++)
        {
            Assert.Equal((ulong)(probe.InnerAddress + probe.Inner.Lines[i].CodeOffset), entries[i].Address);
            Assert.Equal((uint)probe.Inner.Lines[i].Line, entries[i].Line);
            Assert.Equal(ProbeFunctions.SourceFile, entries[i].File);
        }

        JitDumpReader.Record unwinding = dump.Records[loadIndex - 2];
        Assert.Equal(UnwindingInfo, unwinding.Id);
        var (unwindSize, headerSize, mappedSize, data) = JitDumpReader.ParseUnwindingInfo(unwinding.Payload);
        Assert.Equal((ulong)data.Length, unwindSize);
        Assert.Equal(0ul, mappedSize);
        // perf's layout: .eh_frame, then .eh_frame_hdr (version 1) at the end.
        Assert.Equal(1, data[(int)(unwindSize - headerSize)]);

        // entry has no line table: its LOAD follows its unwinding record directly.
        int entryLoad = dump.Records.FindIndex(r => r.Id == Load && JitDumpReader.ParseLoad(r.Payload).CodeAddress == (ulong)probe.EntryAddress);
        Assert.Equal(UnwindingInfo, dump.Records[entryLoad - 1].Id);

        // perf finds the dump through an executable mapping of it by this process.
        Assert.Contains(File.ReadAllLines("/proc/self/maps"), l => l.EndsWith(path, StringComparison.Ordinal) && l.Split(' ')[1] == "r-xp");
    }

    [Fact]
    public void OneProcessWritesOneDumpAndRefusesASecondDirectory()
    {
        string dir = TestJitDump.Directory;
        var first = new JitDiagnostics(new JitDiagnosticsOptions { Profiler = JitProfiler.JitDump, JitDumpDirectory = dir });
        var same = new JitDiagnostics(new JitDiagnosticsOptions { Profiler = JitProfiler.JitDump, JitDumpDirectory = dir });
        Assert.Equal(first.JitDumpPath, same.JitDumpPath);
        var e = Assert.Throws<JitDiagnosticsException>(() =>
            new JitDiagnostics(new JitDiagnosticsOptions { Profiler = JitProfiler.JitDump, JitDumpDirectory = dir + "-other" }));
        Assert.Contains(first.JitDumpPath!, e.Message);
    }
}
