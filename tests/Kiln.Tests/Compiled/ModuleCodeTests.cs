using Kiln.Compiled;
using Kiln.Vm;

namespace Kiln.Tests.Compiled;

/// <summary>
/// The module's code table is shared by all its instances: code installed once (here by lazy compilation through one
/// instance) reaches every other instance's direct calls, funcrefs and exported functions, without their lazy stubs.
/// </summary>
public unsafe class ModuleCodeTests
{
    private const string Wat = """
        (module
          (type $ii (func (param i32) (result i32)))
          (table 1 funcref)
          (elem (i32.const 0) $g)
          (func $g (export "g") (param i32) (result i32) (i32.add (local.get 0) (i32.const 10)))
          (func (export "direct") (param i32) (result i32) (call $g (local.get 0)))
          (func (export "indirect") (param i32) (result i32) (call_indirect (type $ii) (local.get 0) (i32.const 0))))
        """;

    private static int Call(Instance instance, string name, int arg) => instance.GetFunction(name)!.Invoke(Value.FromI32(arg))[0].AsI32();

    [Fact]
    public void CodeInstalledThroughOneInstanceReachesEveryInstance()
    {
        using var engine = new Engine(new EngineOptions { Tier = Tier.Baseline, Compilation = CompilationMode.Lazy });
        using var storeA = new Store(engine);
        using var storeB = new Store(engine);
        var linker = new Linker(engine);
        Module module = Module.FromText(engine, Wat);
        ModuleCode code = module.Code!;
        Instance a = linker.Instantiate(storeA, module);
        Instance b = linker.Instantiate(storeB, module);
        Assert.Empty(module.CompiledFunctions);
        nint stub = code.GetEntry(0);
        Assert.NotEqual(0, stub);
        // Every instance's vmctx points at the one table.
        Assert.Equal((nint)code.CodeTable, *(nint*)(a.Vmctx + VmOffsets.CodeTable));
        Assert.Equal((nint)code.CodeTable, *(nint*)(b.Vmctx + VmOffsets.CodeTable));
        Assert.Equal(stub, b.Functions[0].FuncRef->Code);

        // The first call, through instance A, compiles g.
        Assert.Equal(11, Call(a, "g", 1));
        CodeSymbol g = Assert.Single(module.CompiledFunctions);
        Assert.Equal(1, code.GetLazyStubEntries(0));
        Assert.Equal(g.Address, code.CodeTable[0]);
        // Instance B's funcref (what its table, call_indirect and exported Func use) already points at the code.
        Assert.Equal(g.Address, b.Functions[0].FuncRef->Code);

        // B's exported function, its direct call and its call_indirect run g's compiled code: g's stub is not entered again.
        Assert.Equal(12, Call(b, "g", 2));
        Assert.Equal(13, Call(b, "direct", 3));
        Assert.Equal(14, Call(b, "indirect", 4));
        Assert.Equal(1, code.GetLazyStubEntries(0));
        Assert.Equal(3, module.CompiledFunctions.Count);
        Assert.Equal(g.Address, code.CodeTable[0]);

        // An instance created afterwards starts with the code, and what B compiled serves A without its stubs.
        Instance c = linker.Instantiate(storeA, module);
        Assert.Equal(g.Address, c.Functions[0].FuncRef->Code);
        Assert.Equal(15, Call(a, "direct", 5));
        Assert.Equal(16, Call(c, "indirect", 6));
        Assert.Equal(1, code.GetLazyStubEntries(1));
        Assert.Equal(1, code.GetLazyStubEntries(2));
        Assert.Equal(3, module.CompiledFunctions.Count);
    }

    [Fact]
    public void AnInstallSkipsTheInstancesOfADisposedStore()
    {
        using var engine = new Engine(new EngineOptions { Tier = Tier.Baseline, Compilation = CompilationMode.Lazy });
        using var live = new Store(engine);
        var gone = new Store(engine);
        var linker = new Linker(engine);
        Module module = Module.FromText(engine, Wat);
        Instance a = linker.Instantiate(live, module);
        linker.Instantiate(gone, module);
        gone.Dispose();
        Assert.True(gone.IsReleased);

        Assert.Equal(17, Call(a, "indirect", 7));
        Assert.Equal(2, module.CompiledFunctions.Count);
        Assert.Equal(module.CompiledFunctions.Single(f => f.Name.EndsWith("!g", StringComparison.Ordinal)).Address, a.Functions[0].FuncRef->Code);
    }
}
