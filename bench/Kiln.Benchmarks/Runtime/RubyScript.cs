using System.Diagnostics;
using Kiln.Wasi;

namespace Kiln.Benchmarks.Runtime;

/// <summary>
/// Runs a Ruby script on CRuby compiled to Wasm (<c>bench/fetch-modules.sh</c> fetches <c>ruby+stdlib.wasm</c>):
/// <c>dotnet run -c Release --project bench/Kiln.Benchmarks -- ruby [--tier T] RUBY_WASM SCRIPT.rb</c>. The module is
/// a WASI reactor with a component-model interface (<c>ruby-init</c>, <c>rb-eval-string-protect</c>), lowered here by
/// hand: strings and lists go into guest memory through <c>cabi_realloc</c>. Its JavaScript-bridge imports are never
/// called outside a browser and are defined as traps. Prints, on stderr, the time from start to the first result
/// (compile, instantiate, interpreter start, <c>puts RUBY_VERSION</c>) and to the end of the script.
/// </summary>
internal static class RubyScript
{
    public static int Run(string[] args)
    {
        Tier tier = Tier.Baseline;
        var files = new List<string>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--tier")
            {
                tier = args[++i] switch
                {
                    "interp" => Tier.Interpreter,
                    "baseline" => Tier.Baseline,
                    "opt" => Tier.Optimizing,
                    "auto" => Tier.Auto,
                    string t => throw new ArgumentException($"unknown tier {t}"),
                };
            }
            else
            {
                files.Add(args[i]);
            }
        }
        if (files.Count != 2)
        {
            Console.Error.WriteLine("usage: ruby [--tier interp|baseline|opt|auto] RUBY_WASM SCRIPT.rb");
            return 2;
        }
        var clock = Stopwatch.StartNew();
        using var engine = new Engine(new EngineOptions { Tier = tier });
        Module module = Module.FromFile(engine, files[0]);
        TimeSpan compiled = clock.Elapsed;
        using var store = new Store(engine);
        using WasiContext wasi = new WasiConfiguration().WithArguments("ruby").InheritStdio().Build();
        var linker = new Linker(engine);
        wasi.AddToLinker(linker);
        // The component model's resource table for the values rb-eval-string-protect returns: handle = index + 1.
        var resources = new List<int>();
        linker.DefineFunction("canonical_abi", "resource_new_rb-abi-value", (int rep) =>
        {
            resources.Add(rep);
            return resources.Count;
        });
        linker.DefineFunction("canonical_abi", "resource_get_rb-abi-value", (int handle) => resources[handle - 1]);
        linker.DefineUnknownImportsAsTraps(module);
        Instance instance = linker.Instantiate(store, module);
        var ruby = new Guest(instance);
        ruby.Call("_initialize");
        ruby.Call("ruby-init: func(args: list<string>) -> ()", ruby.StringList(["ruby", "-e_=0"]));
        ruby.Call("ruby-init-loadpath: func() -> ()");
        ruby.Eval("puts RUBY_VERSION");
        TimeSpan firstResult = clock.Elapsed;
        ruby.Eval(File.ReadAllText(files[1]));
        TimeSpan total = clock.Elapsed;
        Console.Out.Flush();
        Console.Error.WriteLine($"ruby on {tier}: compile {compiled.TotalMilliseconds:F0} ms, first result {firstResult.TotalMilliseconds:F0} ms, total {total.TotalMilliseconds:F0} ms");
        if (engine.TieringStatistics is { } tiering)
        {
            Console.Error.WriteLine(tiering.Describe());
        }
        return 0;
    }

    /// <summary>The canonical ABI's lowering of strings and lists of strings, and calls by export name.</summary>
    private sealed class Guest(Instance instance)
    {
        private readonly Memory _memory = instance.GetMemory("memory") ?? throw new InvalidOperationException("no memory export");

        public Value[] Call(string name, params Value[] args) =>
            (instance.GetFunction(name) ?? throw new InvalidOperationException($"no export {name}")).Invoke(args);

        /// <summary>A string as (pointer, length) in guest memory; a NUL follows it, since CRuby reads the arguments as C strings.</summary>
        public (int Pointer, int Length) String(string s)
        {
            byte[] bytes = System.Text.Encoding.UTF8.GetBytes(s + "\0");
            int p = Allocate(1, bytes.Length);
            bytes.CopyTo(_memory.GetSpan((ulong)p, bytes.Length));
            return (p, bytes.Length - 1);
        }

        /// <summary>A list&lt;string&gt; as the two flattened parameters (pointer to (pointer, length) pairs, count).</summary>
        public Value[] StringList(IReadOnlyList<string> items)
        {
            int array = Allocate(4, 8 * items.Count);
            for (int i = 0; i < items.Count; i++)
            {
                (int p, int n) = String(items[i]);
                _memory.WriteInt32((ulong)(array + (8 * i)), p);
                _memory.WriteInt32((ulong)(array + (8 * i) + 4), n);
            }
            return [Value.FromI32(array), Value.FromI32(items.Count)];
        }

        /// <summary>rb_eval_string_protect; throws with Ruby's state code when the script raised.</summary>
        public void Eval(string script)
        {
            // Ruby buffers $stdout, and nothing calls exit here to flush it.
            (int p, int n) = String(script + "\n$stdout.flush");
            Value[] result = Call("rb-eval-string-protect: func(str: string) -> tuple<handle<rb-abi-value>, s32>", Value.FromI32(p), Value.FromI32(n));
            int state = _memory.ReadInt32((ulong)(result[0].AsI32() + 4));
            if (state != 0)
            {
                throw new InvalidOperationException($"the Ruby script raised (state {state})");
            }
        }

        private int Allocate(int align, int size) =>
            Call("cabi_realloc", Value.FromI32(0), Value.FromI32(0), Value.FromI32(align), Value.FromI32(Math.Max(size, 1)))[0].AsI32();
    }
}
