using System.Globalization;
using Kiln.Jit.Diagnostics;
using Kiln.Jit.GdbProbe;

namespace Kiln.Jit.Tests.Diagnostics;

/// <summary>
/// The perf map: one <c>START SIZE NAME</c> line in hexadecimal per function, every function named, nothing
/// overlapping, whole lines even when batches are registered from many threads at once, and a clear refusal when
/// the .NET runtime's own perf map would overwrite the lines.
/// </summary>
public class PerfMapTests
{
    [Fact]
    public void EveryFunctionGetsOneLineWithItsAddressAndSizeInHexadecimal()
    {
        string path = TempMapPath();
        try
        {
            var diagnostics = new JitDiagnostics(new JitDiagnosticsOptions { Profiler = JitProfiler.PerfMap, PerfMapPath = path });
            using var memory = new CodeMemory(new CodeMemoryOptions { Strategy = CodeMemoryStrategy.Mprotect, UseEnvironment = false });
            using ProbeFunctions.Installed probe = ProbeFunctions.Install(memory, diagnostics);
            var lines = ParseMap(path);
            Assert.Equal(3, lines.Count);
            Assert.Contains(((long)probe.InnerAddress, probe.Inner.Size, ProbeFunctions.InnerName), lines);
            Assert.Contains(((long)probe.OuterAddress, probe.Outer.Size, ProbeFunctions.OuterName), lines);
            Assert.Contains(((long)probe.EntryAddress, probe.Entry.Size, ProbeFunctions.EntryName), lines);
            Assert.All(File.ReadAllLines(path), l => Assert.DoesNotContain("0x", l));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AStaleFileFromAnEarlierProcessWithTheSamePidIsTruncated()
    {
        // PIDs wrap: /tmp/perf-PID.map may hold a dead process's lines, which would overlap ours.
        string path = TempMapPath();
        File.WriteAllText(path, "7f0000000000 100 stale!function\n");
        try
        {
            PerfMap map = PerfMap.Open(path, checkRuntime: false, truncate: true);
            map.Append([(0x1000, 0x20, "fresh!function")]);
            Assert.Equal(["1000 20 fresh!function"], File.ReadAllLines(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ConcurrentBatchesAppendWholeLinesThatNeverOverlap()
    {
        string path = TempMapPath();
        try
        {
            var diagnostics = new JitDiagnostics(new JitDiagnosticsOptions { Profiler = JitProfiler.PerfMap, PerfMapPath = path });
            using var memory = new CodeMemory(new CodeMemoryOptions { Strategy = CodeMemoryStrategy.Mprotect, UseEnvironment = false });
            const int threads = 4;
            const int batchesPerThread = 25;
            const int functionsPerBatch = 8;
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                for (int b = 0; b < batchesPerThread; b++)
                {
                    using CodeBatchBuilder builder = memory.CreateBatch(4096);
                    var functions = new List<JitFunction>();
                    for (int f = 0; f < functionsPerBatch; f++)
                    {
                        // mov eax, imm32; ret with a varying length of padding nops, so sizes differ.
                        byte[] code = [.. Enumerable.Repeat((byte)0x90, f), 0xB8, (byte)t, (byte)b, (byte)f, 0, 0xC3];
                        CodeItem item = builder.AddFunction(code);
                        functions.Add(new JitFunction($"thread{t}!batch{b}!f{f}", item, FrameLayout.NoFrame));
                    }
                    CodeBatch batch = builder.Seal();
                    diagnostics.Register(batch, functions);
                    // Batches stay alive (freed with the memory) so no address is reused within the test.
                }
            });
            var lines = ParseMap(path);
            Assert.Equal(threads * batchesPerThread * functionsPerBatch, lines.Count);
            Assert.Equal(lines.Count, lines.Select(l => l.Name).Distinct().Count());
            var sorted = lines.OrderBy(l => l.Start).ToList();
            for (int i = 1; i < sorted.Count; i++)
            {
                Assert.True(sorted[i - 1].Start + sorted[i - 1].Size <= sorted[i].Start, $"{sorted[i - 1]} overlaps {sorted[i]}");
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void LineBreaksInNamesCannotForgeLines()
    {
        var line = new ByteWriter();
        PerfMap.AppendLine(line, 0x7f0000001000, 0x2a, "evil\n7f0000000000 ffff forged");
        Assert.Equal("7f0000001000 2a evil 7f0000000000 ffff forged\n", System.Text.Encoding.UTF8.GetString(line.Written));
    }

    [Theory]
    [InlineData("DOTNET_PerfMapEnabled", "1", true)]
    [InlineData("DOTNET_PerfMapEnabled", "3", true)]
    [InlineData("COMPlus_PerfMapEnabled", "1", true)]
    [InlineData("DOTNET_PerfMapEnabled", "2", false)]
    [InlineData("DOTNET_PerfMapEnabled", "0", false)]
    public void TheRuntimesOwnPerfMapIsAConflictThatNamesJitdump(string variable, string value, bool conflict)
    {
        string? why = PerfMap.RuntimeConflict(name => name == variable ? value : null);
        if (conflict)
        {
            Assert.NotNull(why);
            Assert.Contains(variable, why);
            Assert.Contains("jitdump", why);
        }
        else
        {
            Assert.Null(why);
        }
    }

    [ToolFact]
    public void WithTheRuntimesPerfMapOnThePerfMapProfilerRefusesAtStartUp()
    {
        (int exit, string stdout, string stderr) = ExternalTools.Run(ExternalTools.DotnetHost, [ExternalTools.BesideTests("Kiln.Jit.GdbProbe.dll"), "perfmap", "0"], TimeSpan.FromSeconds(60),
            new Dictionary<string, string> { ["DOTNET_PerfMapEnabled"] = "1" });
        // The runtime wrote its own /tmp/perf-PID.map, which the error names; it is of no further use.
        string runtimeMap = System.Text.RegularExpressions.Regex.Match(stderr, @"/tmp/perf-\d+\.map").Value;
        if (runtimeMap.Length > 0)
        {
            File.Delete(runtimeMap);
        }
        Assert.NotEqual(0, exit);
        Assert.Contains(nameof(JitDiagnosticsException), stderr);
        Assert.Contains("DOTNET_PerfMapEnabled=1", stderr);
        Assert.DoesNotContain("calls", stdout);
    }

    [Fact]
    public void DualMappedCodeIsRefusedForThePerfMap()
    {
        string path = TempMapPath();
        try
        {
            var diagnostics = new JitDiagnostics(new JitDiagnosticsOptions { Profiler = JitProfiler.PerfMap, PerfMapPath = path });
            using var memory = new CodeMemory(new CodeMemoryOptions { Strategy = CodeMemoryStrategy.DualMapping, UseEnvironment = false });
            var e = Assert.Throws<JitDiagnosticsException>(() => ProbeFunctions.Install(memory, diagnostics));
            Assert.Contains("Mprotect", e.Message);
            Assert.Equal(CodeMemoryStrategy.Mprotect, diagnostics.Options.RequiredCodeMemoryStrategy);
        }
        finally
        {
            File.Delete(path);
        }
    }

    internal static List<(long Start, int Size, string Name)> ParseMap(string path)
    {
        List<(long, int, string)> lines = [];
        foreach (string line in File.ReadAllLines(path))
        {
            string[] parts = line.Split(' ', 3);
            Assert.Equal(3, parts.Length);
            lines.Add((long.Parse(parts[0], NumberStyles.HexNumber), int.Parse(parts[1], NumberStyles.HexNumber), parts[2]));
        }
        return lines;
    }

    private static string TempMapPath() => Path.Combine(Path.GetTempPath(), $"kiln-test-perf-{Guid.NewGuid():N}.map");
}
