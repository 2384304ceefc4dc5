using System.Runtime.InteropServices;
using Kiln.Isolation.Seccomp;

namespace Kiln.Jit.CrashProbe;

/// <summary>
/// A child process for the code-memory tests that must run where a crash or a process-wide restriction cannot
/// hurt the test host: writing into sealed code (which must die of SIGSEGV), and running code memory under a
/// seccomp filter that blocks one strategy (which must fall back or refuse), and faults that the guard-page trap
/// handler must not swallow. It prints what it did, line by line.
/// </summary>
public static unsafe partial class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 2 && args[0] == "write-sealed-code")
        {
            return WriteSealed(ParseStrategy(args[1]), intoData: false);
        }
        if (args.Length == 2 && args[0] == "write-sealed-data")
        {
            return WriteSealed(ParseStrategy(args[1]), intoData: true);
        }
        if (args.Length == 2 && args[0] == "seccomp")
        {
            return UnderSeccomp(args[1]);
        }
        if (args.Length is 2 or 3 && args[0] == "guard-trap")
        {
            return GuardTrap(args[1], withoutRuntimeHandler: args.Length == 3 && args[2] == "default");
        }
        Console.Error.WriteLine("usage: write-sealed-code|write-sealed-data mprotect|dual, seccomp block-memfd|block-exec-mprotect|memfd-exec-einval, or guard-trap registered|unregistered [default]");
        return 2;
    }

    private static CodeMemoryStrategy ParseStrategy(string name) => name switch
    {
        "mprotect" => CodeMemoryStrategy.Mprotect,
        "dual" => CodeMemoryStrategy.DualMapping,
        _ => throw new ArgumentException($"unknown strategy {name}"),
    };

    private static int WriteSealed(CodeMemoryStrategy strategy, bool intoData)
    {
        using var memory = new CodeMemory(new CodeMemoryOptions { Strategy = strategy });
        using CodeBatchBuilder builder = memory.CreateBatch(4096, 4096);
        CodeItem function = builder.AddFunction([0xB8, 42, 0, 0, 0, 0xC3]); // mov eax, 42; ret
        CodeItem data = builder.AddReadOnlyData([1, 2, 3, 4, 5, 6, 7, 8], 8);
        using CodeBatch batch = builder.Seal();
        int result = ((delegate* unmanaged<int>)batch.GetAddress(function))();
        Console.WriteLine($"called {result}");
        nint target = batch.GetAddress(intoData ? data : function);
        Console.WriteLine($"writing 0x{target:x}");
        Console.Out.Flush();
        // The store runs inside libc, outside managed code, so the runtime passes the fault to the default
        // action and the process dies of SIGSEGV instead of turning it into a managed exception.
        Memset(target, 0xCC, 1);
        Console.WriteLine("write-survived");
        return 3;
    }

    private static int UnderSeccomp(string mode)
    {
        SeccompFilter filter = mode switch
        {
            "block-memfd" => Seccomp.BlockSyscall(Syscalls.MemfdCreate, errno: 1),
            "block-exec-mprotect" => Seccomp.BlockMprotectToExecute(errno: 13),
            "memfd-exec-einval" => Seccomp.BlockMemfdExecFlag(),
            _ => throw new ArgumentException($"unknown seccomp mode {mode}"),
        };
        filter.Install(allThreads: false);
        Console.WriteLine("seccomp installed");
        try
        {
            using var auto = new CodeMemory(new CodeMemoryOptions { UseEnvironment = false });
            using CodeBatchBuilder builder = auto.CreateBatch(4096);
            // a*b+c: mov rax, rdi; imul rax, rsi; add rax, rdx; ret
            CodeItem f = builder.AddFunction([0x48, 0x89, 0xF8, 0x48, 0x0F, 0xAF, 0xC6, 0x48, 0x01, 0xD0, 0xC3]);
            using CodeBatch batch = builder.Seal();
            long value = ((delegate* unmanaged<long, long, long, long>)batch.GetAddress(f))(6, 7, 8);
            Console.WriteLine($"auto: {auto.Strategy} value={value} fallback={auto.FallbackReason ?? "none"}");
        }
        catch (CodeMemoryException e)
        {
            Console.WriteLine($"auto: error {e.Message}");
        }
        foreach (CodeMemoryStrategy strategy in new[] { CodeMemoryStrategy.Mprotect, CodeMemoryStrategy.DualMapping })
        {
            try
            {
                using var memory = new CodeMemory(new CodeMemoryOptions { Strategy = strategy });
                using CodeBatchBuilder builder = memory.CreateBatch(4096);
                CodeItem f = builder.AddFunction([0xB8, 42, 0, 0, 0, 0xC3]); // mov eax, 42; ret
                using CodeBatch batch = builder.Seal();
                int value = ((delegate* unmanaged<int>)batch.GetAddress(f))();
                Console.WriteLine($"explicit {strategy}: ok value={value} memfd_create calls={memory.GetStatistics().MemfdCreates}");
            }
            catch (CodeMemoryException e)
            {
                Console.WriteLine($"explicit {strategy}: error {e.Message}");
            }
        }
        return 0;
    }

    [LibraryImport("libc", EntryPoint = "memset")]
    private static partial nint Memset(nint destination, int value, nuint length);
}
