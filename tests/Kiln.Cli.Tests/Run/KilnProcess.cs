using System.Diagnostics;
using System.Text;

namespace Kiln.Cli.Tests.Run;

/// <summary>
/// Runs the built <c>kiln</c> as a child process, as users do: a WASI guest writes to the real
/// descriptors 0-2, which an in-process run cannot capture, and the exit status is the process's.
/// </summary>
internal static class KilnProcess
{
    /// <param name="Pid">The child's process id, which names its <c>/tmp/perf-PID.map</c> and <c>jit-PID.dump</c>.</param>
    public readonly record struct Result(int Status, byte[] Stdout, byte[] Stderr, int Pid)
    {
        public string StdoutText => Encoding.UTF8.GetString(Stdout);

        public string StderrText => Encoding.UTF8.GetString(Stderr);
    }

    /// <param name="environment">Variables to set in the child (a null value removes the variable).</param>
    /// <param name="workingDirectory">The child's working directory (default: the test's).</param>
    public static Result Run(IEnumerable<string> args, byte[]? stdin = null, TimeSpan? timeout = null, IReadOnlyDictionary<string, string?>? environment = null,
        string? workingDirectory = null)
    {
        string kilnDll = ExternalTools.BesideTests("kiln.dll");
        var psi = new ProcessStartInfo(ExternalTools.DotnetHost)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
        {
            psi.WorkingDirectory = workingDirectory;
        }
        foreach ((string name, string? value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                psi.Environment.Remove(name);
            }
            else
            {
                psi.Environment[name] = value;
            }
        }
        psi.ArgumentList.Add(kilnDll);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using Process p = Process.Start(psi)!;
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        Task copyOut = p.StandardOutput.BaseStream.CopyToAsync(stdout);
        Task copyErr = p.StandardError.BaseStream.CopyToAsync(stderr);
        if (stdin is not null)
        {
            p.StandardInput.BaseStream.Write(stdin);
        }
        p.StandardInput.Close();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromSeconds(120)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"kiln {string.Join(' ', args)} did not finish");
        }
        Task.WaitAll(copyOut, copyErr);
        return new Result(p.ExitCode, stdout.ToArray(), stderr.ToArray(), p.Id);
    }

    public static Result Run(params string[] args) => Run((IEnumerable<string>)args);
}
