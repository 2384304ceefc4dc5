namespace Kiln.Cli.Tests;

/// <summary>Runs the <c>kiln</c> entry point in-process with redirected output.</summary>
internal static class CliRunner
{
    private static readonly object s_consoleLock = new();

    public static (int ExitCode, string Output) Run(params string[] args)
    {
        lock (s_consoleLock)
        {
            TextWriter oldOut = Console.Out, oldErr = Console.Error;
            var buffer = new StringWriter();
            Console.SetOut(buffer);
            Console.SetError(buffer);
            try
            {
                int exit = Program.Main(args);
                return (exit, buffer.ToString());
            }
            finally
            {
                Console.SetOut(oldOut);
                Console.SetError(oldErr);
            }
        }
    }
}
