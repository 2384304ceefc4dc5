using System.Text.RegularExpressions;
using Kiln.Jit.GdbProbe;

namespace Kiln.Jit.Tests.Diagnostics;

/// <summary>
/// GDB in batch mode on Kiln.Jit.GdbProbe: a breakpoint set by name before the code exists resolves when the batch
/// is registered, <c>bt</c> names the generated frames and walks on into the native caller (libc's qsort), the line
/// table maps the stop to probe.wat, and after the batch is freed GDB no longer knows the code.
/// </summary>
public class GdbTests
{
    private static readonly Lazy<string> s_session = new(RunSession);

    [ToolFact("gdb")]
    public void ABreakpointByNameHitsAndBacktraceNamesTheGeneratedFramesThenTheHostCaller()
    {
        string output = s_session.Value;
        string bt = Section(output, "@@BT", "@@END");
        string[] frames = [.. bt.Split('\n').Where(l => l.StartsWith('#'))];
        Assert.True(frames.Length >= 4, output);
        Assert.Matches($@"^#0 .*{Regex.Escape(ProbeFunctions.InnerName)} \(\)", frames[0]);
        Assert.Matches($@"^#1 .*{Regex.Escape(ProbeFunctions.OuterName)} \(\)", frames[1]);
        Assert.Matches($@"^#2 .*{Regex.Escape(ProbeFunctions.EntryName)} \(\)", frames[2]);
        // Below the generated frames: libc's qsort, which called probe!entry as its comparator.
        Assert.Contains(frames.Skip(3).Take(4), f => f.Contains("qsort", StringComparison.Ordinal) || f.Contains("msort", StringComparison.Ordinal));
    }

    [ToolFact("gdb")]
    public void TheLineTableMapsTheStopToTheSourceFile()
    {
        string bt = Section(s_session.Value, "@@BT", "@@END");
        // GDB stops after the prologue, on the second line-table entry of inner.
        Assert.Contains($"{ProbeFunctions.InnerName} () at {ProbeFunctions.SourceFile}:{ProbeFunctions.InnerFirstLine + 1}", bt);
        Assert.Contains($"{ProbeFunctions.OuterName} () at {ProbeFunctions.SourceFile}:{ProbeFunctions.OuterCallLine}", bt);
    }

    [ToolFact("gdb")]
    public void FreeingTheBatchUnregistersItsSymbols()
    {
        string output = s_session.Value;
        Assert.Matches($@"{Regex.Escape(ProbeFunctions.InnerName)} \+ \d+ in section \.text", Section(output, "@@SYMBOL", "@@SYMBOLEND"));
        Assert.Contains("No symbol matches $inner.", Section(output, "@@AFTERFREE", "@@AFTERFREEEND"));
        Assert.Contains("result 142", output);
    }

    private static string Section(string output, string start, string end)
    {
        int from = output.IndexOf(start + "\n", StringComparison.Ordinal);
        int to = output.IndexOf(end + "\n", StringComparison.Ordinal);
        Assert.True(from >= 0 && to > from, $"gdb output lacks {start}..{end}:\n{output}");
        return output[(from + start.Length + 1)..to];
    }

    private static string RunSession()
    {
        string[] commands =
        [
            "set breakpoint pending on",
            "set pagination off",
            "set confirm off",
            // CoreCLR uses real-time signals between its threads; they are not what this session is about.
            "handle SIGUSR1 SIGUSR2 SIG34 SIG35 SIG36 SIG37 SIGPIPE nostop noprint pass",
            $"break '{ProbeFunctions.InnerName}'",
            "run",
            "echo @@BT\\n",
            "bt 12",
            "echo @@END\\n",
            "set $inner = $pc",
            "echo @@SYMBOL\\n",
            "info symbol $inner",
            "echo @@SYMBOLEND\\n",
            "delete 1",
            "break getpgrp",
            "continue",
            "echo @@AFTERFREE\\n",
            "info symbol $inner",
            "echo @@AFTERFREEEND\\n",
            "continue",
        ];
        List<string> args = ["-batch", "-nx"];
        foreach (string command in commands)
        {
            args.Add("-ex");
            args.Add(command);
        }
        args.AddRange(["--args", ExternalTools.DotnetHost, ExternalTools.BesideTests("Kiln.Jit.GdbProbe.dll"), "gdb"]);
        (int exit, string stdout, string stderr) = ExternalTools.Run(ExternalTools.Require("gdb"), args, TimeSpan.FromSeconds(240));
        string output = stdout + stderr;
        Assert.True(exit == 0, $"gdb exited with {exit}:\n{output}");
        return output;
    }
}
