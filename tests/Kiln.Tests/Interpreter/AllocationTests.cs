using Kiln.Tests.Support;
using Kiln.Wasm.Model;

namespace Kiln.Tests.Interpreter;

/// <summary>The hot paths (typed calls, the interpreter loop, typed host calls) must not allocate.</summary>
public class AllocationTests
{
    [Theory]
    [InlineData(Tier.Interpreter)]
    [InlineData(Tier.Baseline)]
    [InlineData(Tier.Optimizing)]
    public void TypedCallsIntoLoopsCallsAndHostFunctionsDoNotAllocate(Tier tier) =>
        AssertSteadyStateDoesNotAllocate(new EngineOptions { Tier = tier });

    // On auto the first calls compile lazily, count towards tier-ups, move loops up on the stack and install optimized
    // code; all of that allocates once by design. Once every function has moved up, calls allocate nothing.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TypedCallsIntoAnAutoEngineDoNotAllocateOnceTieringHasSettled(bool onStackReplacement) =>
        AssertSteadyStateDoesNotAllocate(new EngineOptions
        {
            Tier = Tier.Auto,
            TierUpThreshold = 5,
            TierUpSynchronously = true,
            OnStackReplacement = onStackReplacement,
        }, expectedTierUps: 2);

    private static void AssertSteadyStateDoesNotAllocate(EngineOptions options, int expectedTierUps = 0)
    {
        using var host = new TestHost(options);
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
        for (int i = 0; i < 20; i++)
        {
            run.Invoke(10);
        }
        Assert.Equal(expectedTierUps, host.Engine.TieringStatistics?.TierUps ?? 0);

        // The .NET runtime may still be moving the host side's own methods up its tiers during the first round, which
        // can allocate on this thread now and then; an allocation made by the calls themselves shows in every round.
        var allocations = new List<long>();
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            long total = 0;
            for (int i = 0; i < 1000; i++)
            {
                total += run.Invoke(100);
            }
            allocations.Add(GC.GetAllocatedBytesForCurrentThread() - before);
            Assert.Equal(1000 * 15150L, total);
        }
        Assert.True(allocations.Min() == 0, $"bytes allocated per round of 1000 calls: {string.Join(", ", allocations)}");
    }
}
