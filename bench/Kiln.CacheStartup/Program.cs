using System.Diagnostics;
using System.Globalization;
using System.Text;
using Kiln;
using Kiln.Wasi;

namespace Kiln.CacheStartup;

/// <summary>
/// Start-up of CRuby from its Wasm bytes against start-up from Kiln's code cache. Usage:
/// <c>Kiln.CacheStartup write RUBY.wasm OUT.kiln</c> writes the serialized module;
/// <c>Kiln.CacheStartup eager|lazy RUBY.wasm</c> and <c>Kiln.CacheStartup cache OUT.kiln</c> start CRuby once, print
/// Ruby's output on stdout and one line of phase times (ms) on stderr.
/// </summary>
public static class Program
{
    private const string Script = "puts \"ruby #{RUBY_VERSION}: #{(1..10).sum}\"; $stdout.flush";

    public static int Main(string[] args)
    {
        if (args is not (["write", _, _] or ["eager" or "lazy" or "cache", _]))
        {
            Console.Error.WriteLine("usage: Kiln.CacheStartup write RUBY.wasm OUT.kiln | eager|lazy RUBY.wasm | cache OUT.kiln");
            return 2;
        }
        var clock = Stopwatch.StartNew();
        var options = new EngineOptions
        {
            Tier = Tier.Baseline,
            Compilation = args[0] == "lazy" ? CompilationMode.Lazy : CompilationMode.Eager,
        };
        using var engine = new Engine(options);
        if (args[0] == "write")
        {
            byte[] file = Module.FromFile(engine, args[1]).Serialize();
            File.WriteAllBytes(args[2], file);
            Console.Error.WriteLine($"{args[2]}: {file.Length} bytes in {clock.Elapsed.TotalMilliseconds:F0} ms");
            return 0;
        }
        Module module = args[0] == "cache" ? Module.DeserializeFile(engine, args[1]) : Module.FromFile(engine, args[1]);
        double load = clock.Elapsed.TotalMilliseconds;

        clock.Restart();
        using var store = new Store(engine);
        using WasiContext wasi = new WasiConfiguration().InheritStdio().WithArguments("ruby").Build();
        var linker = new Linker(engine);
        wasi.AddToLinker(linker);
        // The result of rb-eval-string-protect is handed to the host as a resource: its handle is the value itself.
        linker.DefineFunction("canonical_abi", "resource_new_rb-abi-value", new Kiln.Wasm.Model.FuncType([Kiln.Wasm.Model.ValType.I32], [Kiln.Wasm.Model.ValType.I32]),
            (_, a, r) => r[0] = a[0]);
        linker.DefineUnknownImportsAsTraps(module);
        Instance ruby = linker.Instantiate(store, module);
        double instantiate = clock.Elapsed.TotalMilliseconds;

        clock.Restart();
        Memory memory = ruby.GetMemory("memory")!;
        Func realloc = ruby.GetFunction("cabi_realloc")!;
        int Allocate(int size) => realloc.Invoke(Value.FromI32(0), Value.FromI32(0), Value.FromI32(4), Value.FromI32(size))[0].AsI32();
        (int Pointer, int Length) String(string s)
        {
            // NUL-terminated as well: CRuby's binding hands the pointers to C as argv.
            byte[] bytes = Encoding.UTF8.GetBytes(s + "\0");
            int p = Allocate(bytes.Length);
            bytes.CopyTo(memory.GetSpan((ulong)p, bytes.Length));
            return (p, bytes.Length - 1);
        }
        ruby.GetFunction("_initialize")!.Invoke();
        // The canonical ABI of ruby-init(args: list<string>): a pointer to (pointer, length) pairs, and their count.
        string[] argv = ["ruby.wasm", "-EUTF-8", "-e_=0"];
        int list = Allocate(8 * argv.Length);
        for (int i = 0; i < argv.Length; i++)
        {
            (int p, int n) = String(argv[i]);
            memory.WriteInt32((ulong)(list + (8 * i)), p);
            memory.WriteInt32((ulong)(list + (8 * i) + 4), n);
        }
        ruby.GetFunction("ruby-init: func(args: list<string>) -> ()")!.Invoke(Value.FromI32(list), Value.FromI32(argv.Length));
        ruby.GetFunction("ruby-init-loadpath: func() -> ()")!.Invoke();
        (int script, int length) = String(Script);
        Func eval = ruby.GetFunction("rb-eval-string-protect: func(str: string) -> tuple<handle<rb-abi-value>, s32>")!;
        int result = eval.Invoke(Value.FromI32(script), Value.FromI32(length))[0].AsI32();
        int state = memory.ReadInt32((ulong)result + 4);
        wasi.FlushStreams();
        double run = clock.Elapsed.TotalMilliseconds;
        double process = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{args[0]}: load {load:F1} ms, instantiate {instantiate:F1} ms, run {run:F1} ms, process {process:F0} ms, functions compiled {module.CompiledFunctions.Count}"));
        return state == 0 ? 0 : 1;
    }
}
