using System.Runtime.InteropServices;
using System.Text;
using Kiln.Isolation;
using Kiln.Wasi;
using Kiln.Wasm.Model;

namespace Kiln.Isolation.TestHost;

/// <summary>
/// An embedder with a deliberately vulnerable host function, to show what isolation stops when a guest finds such a
/// hole. <c>attempt ACTION ARGUMENT</c> builds a module whose <c>_start</c> passes ARGUMENT to the host function
/// <c>host.vulnerable_ACTION</c>, which does what it is told with no checks (execute a program, create a host file,
/// connect a socket, fork, ptrace, signal the parent, map memory, spin) and prints <c>ACTION: ok</c> or
/// <c>ACTION: EPERM</c>-style results. Started by <see cref="IsolatedProcess"/>, it enters the sandbox the parent asked
/// for (<see cref="Sandbox.EnterIfRequested"/>) after compiling and linking, before instantiation; started directly,
/// it runs unconfined, which is the control that shows each attempt succeeds without the sandbox.
/// </summary>
public static unsafe partial class Program
{
    private static readonly string[] s_actions = ["exec", "create", "read", "socket", "fork", "ptrace", "kill-parent", "map", "spin"];

    public static int Main(string[] args)
    {
        if (args.Length != 3 || args[0] != "attempt" || !s_actions.Contains(args[1]))
        {
            Console.Error.WriteLine($"usage: attempt {string.Join('|', s_actions)} ARGUMENT");
            return 2;
        }
        string action = args[1];
        byte[] argument = Encoding.UTF8.GetBytes(args[2]);
        var text = new StringBuilder();
        foreach (byte b in argument)
        {
            text.Append($"\\{b:x2}");
        }
        // Explicit bounds checks and a one-page maximum: the memory reserves 64 KiB, not the 6 GiB of a guarded memory, so an
        // address-space budget is spent by the host function alone.
        using var engine = new Engine(new EngineOptions { Tier = Tier.Baseline, BoundsChecks = BoundsCheckStrategy.Explicit });
        Module module = Module.FromText(engine, $$"""
            (module
              (import "host" "vulnerable" (func $vulnerable (param i32 i32)))
              (memory (export "memory") 1 1)
              (data (i32.const 16) "{{text}}")
              (func (export "_start") (call $vulnerable (i32.const 16) (i32.const {{argument.Length}}))))
            """);
        using var store = new Store(engine);
        // In a mount namespace the host keeps no directory of the host: only the runtime's and its own files.
        bool confined = Sandbox.ConfineFileSystemIfRequested([]);
        using WasiContext wasi = new WasiConfiguration().InheritStdio().Build();
        var linker = new Linker(engine);
        wasi.AddToLinker(linker);
        linker.DefineFunction("host", "vulnerable", new FuncType([ValType.I32, ValType.I32], []), (caller, a, _) =>
        {
            string value = caller.GetMemory()!.ReadString((ulong)a[0].AsI32(), a[1].AsI32());
            Console.WriteLine($"{action}: {Attempt(action, value)}");
            Console.Out.Flush();
        });
        Console.Out.Flush();
        SandboxReport? sandbox = Sandbox.EnterIfRequested();
        Console.WriteLine(sandbox is null ? "sandbox: none" : $"sandbox: {sandbox}{(confined ? "; file system confined" : "")}");
        Console.Out.Flush();
        linker.Instantiate(store, module).GetFunction("_start")!.Invoke();
        // No Sandbox.ReportExit: the sandbox reports Main's status to the parent by itself.
        return 0;
    }

    /// <summary>Does what the guest asked, as a careless host function would; returns "ok" or the errno's name.</summary>
    private static string Attempt(string action, string argument)
    {
        int result;
        switch (action)
        {
            case "exec":
                // On success the process becomes the program (which prints its own line) and never returns here.
                nint path = Marshal.StringToCoTaskMemUTF8(argument);
                nint* argv = stackalloc nint[] { path, 0 };
                nint* envp = stackalloc nint[] { 0 };
                result = Execve(path, argv, envp);
                break;
            case "create":
                result = Open(argument, 0x41 /* O_WRONLY|O_CREAT */, 0x1A4);
                break;
            case "read":
                result = Open(argument, 0 /* O_RDONLY */, 0);
                break;
            case "socket":
                result = Socket(2 /* AF_INET */, 1 /* SOCK_STREAM */, 0);
                break;
            case "fork":
                result = Fork();
                if (result == 0)
                {
                    Exit(0); // The child of an unconfined fork leaves at once.
                }
                break;
            case "ptrace":
                result = (int)Ptrace(16 /* PTRACE_ATTACH */, int.Parse(argument, System.Globalization.CultureInfo.InvariantCulture), 0, 0);
                break;
            case "kill-parent":
                result = Kill(Getppid(), 0);
                break;
            case "map":
                nuint bytes = nuint.Parse(argument, System.Globalization.CultureInfo.InvariantCulture) << 20;
                nint p = Mmap(0, bytes, 3 /* PROT_READ|PROT_WRITE */, 0x22 /* MAP_PRIVATE|MAP_ANONYMOUS */, -1, 0);
                result = p == -1 ? -1 : 0;
                break;
            case "spin":
                for (long i = 0; ; i++)
                {
                    if (i == long.MaxValue)
                    {
                        return "never";
                    }
                }
            default:
                throw new ArgumentException(action);
        }
        return result >= 0 ? "ok" : Name(Marshal.GetLastPInvokeError());
    }

    private static string Name(int errno) => errno switch
    {
        1 => "EPERM",
        2 => "ENOENT",
        12 => "ENOMEM",
        13 => "EACCES",
        38 => "ENOSYS",
        _ => $"errno {errno}",
    };

    [LibraryImport("libc", EntryPoint = "execve", SetLastError = true)]
    private static partial int Execve(nint path, nint* argv, nint* envp);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    private static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "fork", SetLastError = true)]
    private static partial int Fork();

    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void Exit(int status);

    [LibraryImport("libc", EntryPoint = "ptrace", SetLastError = true)]
    private static partial long Ptrace(long request, int pid, nint address, nint data);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "getppid")]
    private static partial int Getppid();

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);
}
