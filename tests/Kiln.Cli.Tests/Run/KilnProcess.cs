using System.Diagnostics;
using System.Text;

namespace Kiln.Cli.Tests.Run;

/// <summary>
/// Runs the built <c>kiln</c> as a child process, as users do: a WASI guest writes to the real
/// descriptors 0-2, which an in-process run cannot capture, and the exit status is the process's.
/// </summary>
internal static class KilnProcess
{
    public readonly record struct Result(int Status, byte[] Stdout, byte[] Stderr)
    {
        public string StdoutText => Encoding.UTF8.GetString(Stdout);

        public string StderrText => Encoding.UTF8.GetString(Stderr);
    }

    public static Result Run(IEnumerable<string> args, byte[]? stdin = null, TimeSpan? timeout = null)
    {
        string kilnDll = Path.Combine(AppContext.BaseDirectory, "kiln.dll");
        var psi = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
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
        return new Result(p.ExitCode, stdout.ToArray(), stderr.ToArray());
    }

    public static Result Run(params string[] args) => Run((IEnumerable<string>)args);
}
