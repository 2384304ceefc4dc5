using Kiln.Tests.Support;
using Kiln.Wasm.Model;

namespace Kiln.Tests.Interpreter;

/// <summary>The hot paths (typed calls, the interpreter loop, typed host calls) must not allocate.</summary>
public class AllocationTests
{
    // Auto is left out: its first calls compile lazily and request tier-ups, which allocate once by design.
    [Theory]
    [InlineData(Tier.Interpreter)]
    [InlineData(Tier.Baseline)]
    [InlineData(Tier.Optimizing)]
    public void TypedCallsIntoLoopsCallsAndHostFunctionsDoNotAllocate(Tier tier)
    {
        using var host = new TestHost(new EngineOptions { Tier = tier });
        long seen = 0;
        host.Linker.DefineFunction("env", "note", (long x) => { seen += x; });
        var b = new ModuleBuilder();
        b.ImportFunction("env", "note", T.I64, T.None);
        b.AddMemory(1);
        b.AddFunction("leaf", T.I64, T.I64, T.None, "local.get 0", "i64.const 3", "i64.mul");
        b.AddFunction("run", T.I32, T.I64, T.Of(ValType.I64),
            "loop",
            "local.get 1", "local.get 0", "i64.extend_i32_u", "call 1", "i64.add", "local.set 1",
            "local.get 0", "local.get 0", "i32.store",
            "local.get 0", "i32.const 1", "i32.sub", "local.tee 0", "br_if 0",
            "end",
            "local.get 1", "call 0", "local.get 1");
        Instance instance = host.Instantiate(b);
        TypedFunc<int, long> run = instance.GetFunction<int, long>("run");
        run.Invoke(10);

        long before = GC.GetAllocatedBytesForCurrentThread();
        long total = 0;
        for (int i = 0; i < 1000; i++)
        {
            total += run.Invoke(100);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(1000 * 15150L, total);
        Assert.Equal(0, allocated);
    }
}
