using BenchmarkDotNet.Attributes;

namespace Kiln.Benchmarks.Runtime;

/// <summary>
/// What a plugin host pays per request when it gives each request a fresh sandbox: a new store, one instance of an
/// already compiled small module (one page of memory with a data segment, a table filled by an element segment,
/// globals, an imported host function), and disposing the store. Compilation is not included: the module is
/// compiled once, as an embedder would cache it.
/// </summary>
[MemoryDiagnoser]
public class InstantiationBenchmarks
{
    internal const string Wat = """
        (module
          (import "env" "log" (func $log (param i32)))
          (memory (export "memory") 1)
          (data (i32.const 16) "hello, plugin")
          (table 4 funcref)
          (elem (i32.const 0) $add $twice $add $twice)
          (global $calls (mut i32) (i32.const 0))
          (global $limit i32 (i32.const 100))
          (type $binary (func (param i32 i32) (result i32)))
          (func $add (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
          (func $twice (param i32 i32) (result i32) (i32.shl (local.get 0) (i32.const 1)))
          (func (export "run") (param i32) (result i32)
            (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
            (call $log (global.get $calls))
            (call_indirect (type $binary) (local.get 0) (i32.const 1) (i32.and (local.get 0) (i32.const 3)))))
        """;

    private Engine _engine = null!;
    private Module _module = null!;
    private Linker _linker = null!;

    [Params(Tier.Interpreter, Tier.Baseline)]
    public Tier Tier { get; set; }

    [GlobalSetup]
    public void SetUp()
    {
        _engine = new Engine(new EngineOptions { Tier = Tier });
        _module = Module.FromText(_engine, Wat);
        _linker = new Linker(_engine);
        _linker.DefineFunction("env", "log", (int _) => { });
    }

    [GlobalCleanup]
    public void TearDown() => _engine.Dispose();

    /// <summary>New store, instantiate, dispose: the whole life of a one-request sandbox.</summary>
    [Benchmark]
    public Instance StoreAndInstance()
    {
        using var store = new Store(_engine);
        return _linker.Instantiate(store, _module);
    }

    /// <summary>The same, plus one call into the instance: the first call after instantiation.</summary>
    [Benchmark]
    public int StoreInstanceAndCall()
    {
        using var store = new Store(_engine);
        Instance instance = _linker.Instantiate(store, _module);
        return instance.GetFunction<int, int>("run").Invoke(5);
    }
}
