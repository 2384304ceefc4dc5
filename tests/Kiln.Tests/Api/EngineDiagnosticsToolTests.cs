using System.Text.RegularExpressions;
using Kiln.Tests.Support;

namespace Kiln.Tests.Api;

/// <summary>
/// The engine's diagnostics seen by the real tools, on Wasm compiled by the baseline tier (Kiln.GdbProbe): GDB breaks
/// on <c>calc!add</c> by name, <c>bt</c> names the Wasm frames and the entry trampoline, and the symbols go away with
/// the engine; perf attributes samples to <c>calc!spin</c> through jitdump and through the perf map.
/// </summary>
public class EngineDiagnosticsToolTests
{
    [ToolFact("gdb")]
    public void GdbBreaksOnAWasmFunctionByNameAndWalksItsCallers()
    {
        string[] commands =
        [
            "set breakpoint pending on", "set pagination off", "set confirm off",
            "handle SIGUSR1 SIGUSR2 SIG34 SIG35 SIG36 SIG37 SIGPIPE nostop noprint pass",
            "break 'calc!add'", "run",
            "echo @@BT\\n", "bt 6", "echo @@END\\n",
            "set $add = $pc", "delete 1", "break getpgrp", "continue",
            "echo @@AFTERFREE\\n", "info symbol $add", "echo @@AFTERFREEEND\\n", "continue",
        ];
        List<string> args = ["-batch", "-nx"];
        foreach (string command in commands)
        {
            args.AddRange(["-ex", command]);
        }
        args.AddRange(["--args", ExternalTools.DotnetHost, ExternalTools.BesideTests("Kiln.GdbProbe.dll"), "debug"]);
        (int exit, string output) = ExternalTools.Run(ExternalTools.Require("gdb"), args, TimeSpan.FromSeconds(240));
        Assert.True(exit == 0, output);
        Assert.Contains("twice(21) = 42", output);

        string bt = output[(output.IndexOf("@@BT\n", StringComparison.Ordinal) + 5)..output.IndexOf("@@END\n", StringComparison.Ordinal)];
        string[] frames = [.. bt.Split('\n').Where(l => l.StartsWith('#'))];
        Assert.True(frames.Length >= 3, output);
        Assert.Matches(@"^#0 .* in calc!add \(\)", frames[0]);
        Assert.Matches(@"^#1 .* in calc!twice \(\)", frames[1]);
        Assert.Matches(@"^#2 .* in calc!entry_trampoline\[\d+\] \(\)", frames[2]);
        Assert.Contains("No symbol matches $add.", output[output.IndexOf("@@AFTERFREE\n", StringComparison.Ordinal)..]);
    }

    [PerfSamplingFact]
    public void PerfAttributesSamplesToAWasmFunctionThroughJitdumpAndThePerfMap()
    {
        string perf = ExternalTools.Require("perf");
        string dir = Directory.CreateTempSubdirectory("kiln-engine-perf-").FullName;
        string? map = null;
        try
        {
            string data = Path.Combine(dir, "jitdump.data");
            (int exit, string output) = ExternalTools.Run(perf, ["record", "-e", "cpu-clock", "-k", "1", "-o", data, "--", ExternalTools.DotnetHost, ExternalTools.BesideTests("Kiln.GdbProbe.dll"), "jitdump", "1.5"],
                TimeSpan.FromSeconds(180), new Dictionary<string, string> { ["KILN_JITDUMP_DIR"] = dir });
            Assert.True(exit == 0, output);
            string injected = Path.Combine(dir, "jitdump.jit.data");
            (exit, output) = ExternalTools.Run(perf, ["inject", "--jit", "-i", data, "-o", injected], TimeSpan.FromSeconds(180));
            Assert.True(exit == 0, output);
            (exit, output) = ExternalTools.Run(perf, ["report", "-i", injected, "--stdio", "--sort", "sym", "--no-children"], TimeSpan.FromSeconds(180));
            Assert.True(exit == 0, output);
            Assert.Matches(@"\d+\.\d+%.*calc!spin", output);

            data = Path.Combine(dir, "perfmap.data");
            (exit, output) = ExternalTools.Run(perf, ["record", "-e", "cpu-clock", "-k", "1", "-o", data, "--", ExternalTools.DotnetHost, ExternalTools.BesideTests("Kiln.GdbProbe.dll"), "perfmap", "1.5"],
                TimeSpan.FromSeconds(180));
            Assert.True(exit == 0, output);
            // The probe names its map ("perf map /tmp/perf-PID.map"); perf report reads it, then it goes.
            map = Regex.Match(output, @"perf map (\S+\.map)").Groups[1].Value;
            Assert.True(map.Length > 0, $"the probe did not name its perf map:\n{output}");
            (exit, output) = ExternalTools.Run(perf, ["report", "-i", data, "--stdio", "--sort", "sym", "--no-children"], TimeSpan.FromSeconds(180));
            Assert.True(exit == 0, output);
            Assert.Matches(@"\d+\.\d+%.*calc!spin", output);
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
}
