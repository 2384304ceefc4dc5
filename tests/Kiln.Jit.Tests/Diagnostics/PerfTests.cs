using Kiln.Jit.Diagnostics;
using Kiln.Jit.GdbProbe;

namespace Kiln.Jit.Tests.Diagnostics;

/// <summary>
/// perf itself reading what Kiln writes. <c>perf inject --jit</c> runs everywhere (fed a synthesized mmap event of
/// the dump when sampling is not allowed); <c>perf record</c> then <c>perf report</c> runs where the kernel lets perf
/// sample, and must attribute samples to the generated functions' names, through jitdump and through the perf map.
/// </summary>
public class PerfTests
{
    [ToolFact("perf", "nm", "readelf")]
    public void PerfInjectWritesAnElfFilePerFunctionWithItsSymbolUnwindInfoAndLines()
    {
        var diagnostics = new JitDiagnostics(new JitDiagnosticsOptions
        {
            Profiler = JitProfiler.JitDump,
            JitDumpDirectory = TestJitDump.Directory,
        });
        using var memory = new CodeMemory(new CodeMemoryOptions { Strategy = CodeMemoryStrategy.Mprotect, UseEnvironment = false });
        using ProbeFunctions.Installed probe = ProbeFunctions.Install(memory, diagnostics);
        string dump = diagnostics.JitDumpPath!;
        string dir = Path.GetDirectoryName(dump)!;
        string output = Path.Combine(dir, $"inject-{Guid.NewGuid():N}.data");
        byte[] input = PerfPipeData.MmapOfJitDump(Environment.ProcessId, JitDump.Open().MarkerAddress, dump);

        (int exit, string stdout, string stderr) = ExternalTools.Run(ExternalTools.Require("perf"), ["inject", "--jit", "-i", "-", "-o", output], TimeSpan.FromSeconds(120), input: input);
        Assert.True(exit == 0, $"perf inject failed ({exit}):\n{stdout}\n{stderr}");

        // perf inject names its files jitted-PID-INDEX.so, beside the dump.
        Dictionary<string, string> fileBySymbol = [];
        foreach (string so in Directory.GetFiles(dir, $"jitted-{Environment.ProcessId}-*.so"))
        {
            (int nmExit, string symbols, string nmErr) = ExternalTools.Run(ExternalTools.Require("nm"), [so], TimeSpan.FromSeconds(30));
            Assert.True(nmExit == 0, nmErr);
            foreach (string line in symbols.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                string[] parts = line.Split(' ', 3);
                if (parts.Length == 3)
                {
                    fileBySymbol[parts[2]] = so;
                }
            }
        }
        Assert.Contains(ProbeFunctions.InnerName, fileBySymbol.Keys);
        Assert.Contains(ProbeFunctions.OuterName, fileBySymbol.Keys);
        Assert.Contains(ProbeFunctions.EntryName, fileBySymbol.Keys);

        // The unwinding record became .eh_frame/.eh_frame_hdr: readelf decodes the CFA rule of the standard frame.
        string inner = fileBySymbol[ProbeFunctions.InnerName];
        (int reExit, string frames, string reErr) = ExternalTools.Run(ExternalTools.Require("readelf"), ["--debug-dump=frames-interp", inner], TimeSpan.FromSeconds(30));
        Assert.True(reExit == 0, reErr);
        Assert.Contains("rsp+8", frames);
        Assert.Contains("rsp+16", frames);
        Assert.Contains("rbp+16", frames);
        (_, string sections, _) = ExternalTools.Run(ExternalTools.Require("readelf"), ["-S", inner], TimeSpan.FromSeconds(30));
        Assert.Contains(".eh_frame_hdr", sections);

        // perf turns JIT_CODE_DEBUG_INFO into .debug_line when it is built with DWARF support (Debian's is).
        if (sections.Contains(".debug_line", StringComparison.Ordinal))
        {
            (_, string lines, _) = ExternalTools.Run(ExternalTools.Require("readelf"), ["--debug-dump=decodedline", inner], TimeSpan.FromSeconds(30));
            Assert.Contains(ProbeFunctions.SourceFile, lines);
        }
    }

    [PerfSamplingFact]
    public void PerfReportAttributesSamplesToFunctionNamesThroughJitdump()
    {
        string dir = Directory.CreateTempSubdirectory("kiln-perf-jitdump-").FullName;
        try
        {
            string data = Path.Combine(dir, "perf.data");
            Record(data, "jitdump", new Dictionary<string, string> { [JitDump.DirectoryEnvironmentVariable] = dir });
            string injected = Path.Combine(dir, "perf.jit.data");
            (int exit, string stdout, string stderr) = ExternalTools.Run(ExternalTools.Require("perf"), ["inject", "--jit", "-i", data, "-o", injected], TimeSpan.FromSeconds(180));
            Assert.True(exit == 0, $"perf inject failed:\n{stdout}\n{stderr}");
            string report = Report(injected);
            Assert.Contains(ProbeFunctions.InnerName, report);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [PerfSamplingFact]
    public void PerfReportAttributesSamplesToFunctionNamesThroughThePerfMap()
    {
        string dir = Directory.CreateTempSubdirectory("kiln-perf-map-").FullName;
        string? map = null;
        try
        {
            string data = Path.Combine(dir, "perf.data");
            string stdout = Record(data, "perfmap", null);
            // The probe names its map ("perf map /tmp/perf-PID.map"); perf report reads it, then it goes.
            map = System.Text.RegularExpressions.Regex.Match(stdout, @"perf map (\S+\.map)").Groups[1].Value;
            Assert.True(map.Length > 0, $"the probe did not name its perf map:\n{stdout}");
            string report = Report(data);
            Assert.Contains(ProbeFunctions.InnerName, report);
        }
        finally
        {
            if (!string.IsNullOrEmpty(map))
            {
                File.Delete(map);
            }
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Record(string data, string mode, Dictionary<string, string>? environment)
    {
        (int exit, string stdout, string stderr) = ExternalTools.Run(ExternalTools.Require("perf"),
            ["record", "-e", "cpu-clock", "-k", "1", "-o", data, "--", ExternalTools.DotnetHost, ExternalTools.BesideTests("Kiln.Jit.GdbProbe.dll"), mode, "1.5"],
            TimeSpan.FromSeconds(180), environment);
        Assert.True(exit == 0, $"perf record of the probe failed ({exit}):\n{stdout}\n{stderr}");
        Assert.Contains("calls ", stdout);
        return stdout;
    }

    private static string Report(string data)
    {
        (int exit, string stdout, string stderr) = ExternalTools.Run(ExternalTools.Require("perf"),
            ["report", "-i", data, "--stdio", "--sort", "sym", "--no-children"], TimeSpan.FromSeconds(180));
        Assert.True(exit == 0, $"perf report failed:\n{stdout}\n{stderr}");
        return stdout;
    }
}
