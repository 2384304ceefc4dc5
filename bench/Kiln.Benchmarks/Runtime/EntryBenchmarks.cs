using BenchmarkDotNet.Attributes;

namespace Kiln.Benchmarks.Runtime;

/// <summary>
/// The cost of one call from C# into Wasm and back through a typed handle, per tier: a function that adds its two
/// arguments, so nearly all of the time is the entry itself (argument slots, the store's checks, the tier's entry).
/// </summary>
[MemoryDiagnoser]
public class EntryBenchmarks
{
    private const string Wat = """(module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))""";

    private Engine _engine = null!;
    private Store _store = null!;
    private TypedFunc<int, int, int> _add = null!;

    [Params(Tier.Interpreter, Tier.Baseline, Tier.Auto)]
    public Tier Tier { get; set; }

    [GlobalSetup]
    public void SetUp()
    {
        _engine = new Engine(new EngineOptions { Tier = Tier });
        _store = new Store(_engine);
        Instance instance = new Linker(_engine).Instantiate(_store, Module.FromText(_engine, Wat));
        _add = instance.GetFunction<int, int, int>("add");
    }

    [GlobalCleanup]
    public void TearDown()
    {
        _store.Dispose();
        _engine.Dispose();
    }

    [Benchmark(OperationsPerInvoke = 1000)]
    public int Add()
    {
        int sum = 0;
        for (int i = 0; i < 1000; i++)
        {
            sum = _add.Invoke(sum, i);
        }
        return sum;
    }
}
