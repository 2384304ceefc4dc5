using System.CommandLine;
using Kiln.Cli.Commands;

namespace Kiln.Cli;

/// <summary>Entry point of the <c>kiln</c> command: one subcommand per file in <c>Commands/</c>.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        string[] guest = [];
        if (args is ["run", ..])
        {
            (args, guest) = RunCommand.SplitGuestArguments(args);
        }
        var root = new RootCommand("Kiln: a secure WebAssembly JIT runtime for .NET");
        root.Subcommands.Add(VersionCommand.Create());
        root.Subcommands.Add(WastCommand.Create());
        root.Subcommands.Add(RunCommand.Create(guest));
        root.Subcommands.Add(CompileCommand.Create());
        ParseResult parsed = root.Parse(args);
        int status = parsed.Invoke();
        // kiln run documents 2 for a bad command line (System.CommandLine's own errors return 1).
        return parsed.Errors.Count > 0 && parsed.CommandResult.Command.Name == "run" ? Run.ExitCodes.Usage : status;
    }
}
