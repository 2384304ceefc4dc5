using Kiln.Optimizing.Codegen;
using Kiln.Optimizing.Ir;
using Kiln.Tests.Support;

namespace Kiln.Tests.Optimizing.Codegen;

/// <summary>
/// A small leaf compiled by the optimizing tier has no stack-limit or interrupt check at its entry
/// (<c>CodeEmitter.SkipsEntryChecks</c>): which functions qualify, and that stack exhaustion, interrupts and fuel still
/// stop the code that needs them, on every tier.
/// </summary>
public class EntryChecksTests
{
    public static TheoryData<string> Tiers => TestTiers.All;

    private const string Leaf = """
        function %f(i32) -> i32 {
        block0(v0: i32):
            v1 = iconst.i32 3
            v2 = iadd.i32 v0, v1
            v3 = load.i32 v2+4
            return v3
        }
        """;

    [Fact]
    public void OnlySmallLeavesWithoutFuelSkipTheEntryChecks()
    {
        IrFunction leaf = IrParser.Parse(Leaf);
        Assert.True(CodeEmitter.SkipsEntryChecks(leaf, 32, fuel: false));
        Assert.True(CodeEmitter.SkipsEntryChecks(leaf, CodeEmitter.LeafFrameLimit, fuel: false));
        Assert.False(CodeEmitter.SkipsEntryChecks(leaf, CodeEmitter.LeafFrameLimit + 16, fuel: false));
        Assert.False(CodeEmitter.SkipsEntryChecks(leaf, 32, fuel: true));

        IrFunction calls = IrParser.Parse("""
            function %f(i32) -> i32 {
            block0(v0: i32):
                v1 = call fn0(v0) : (i32) -> (i32)
                return v1
            }
            """);
        Assert.False(CodeEmitter.SkipsEntryChecks(calls, 32, fuel: false));

        IrFunction grows = IrParser.Parse("""
            function %f(i32) -> i32 {
            block0(v0: i32):
                v1 = memory_grow.i32 v0
                return v1
            }
            """);
        Assert.False(CodeEmitter.SkipsEntryChecks(grows, 32, fuel: false));
    }

    private const string Wat = """
        (module
          (memory 1)
          (func $leaf (param i32) (result i32) (i32.add (i32.load (local.get 0)) (i32.const 1)))
          (func $spin (export "spin") (param i32) (result i32)
            (loop $l (local.set 0 (i32.add (local.get 0) (i32.const 1))) (br $l))
            (local.get 0))
          (func $deep (export "deep") (param i32) (result i32)
            (i32.add (call $leaf (local.get 0)) (call $deep (local.get 0))))
          (func (export "leaf") (param i32) (result i32) (call $leaf (local.get 0))))
        """;

    [Theory]
    [MemberData(nameof(Tiers))]
    public void RecursionThroughALeafStillExhaustsTheStack(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, Wat));
        Assert.Equal(1, instance.GetFunction<int, int>("leaf").Invoke(0));

        TrapException trap = Assert.Throws<TrapException>(() => instance.GetFunction<int, int>("deep").Invoke(0));

        Assert.Equal(TrapCode.CallStackExhausted, trap.Code);
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void ALoopingLeafIsStillInterruptedAtItsLoopHeader(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, Wat));
        // Called from the host straight into the leaf: no check at its entry on this tier, the loop header's stops it.
        host.Store.Interrupt();

        TrapException trap = Watchdog.Run(() => Assert.Throws<TrapException>(() => instance.GetFunction<int, int>("spin").Invoke(0)), TimeSpan.FromSeconds(60));

        Assert.Equal(TrapCode.Interrupted, trap.Code);
        Assert.Equal("spin", trap.Backtrace[0].FunctionName);
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void FuelCountsEveryEntryOfALeaf(string tier)
    {
        // One unit per entry (the export's from the host, then the leaf's): with fuel, the leaf keeps its entry check.
        using var host = new TestHost(TestTiers.Options(tier) with { ConsumeFuel = true });
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, Wat));
        Func<int, int> leaf = instance.GetFunction<int, int>("leaf").Invoke;
        host.Store.SetFuel(2);
        Assert.Equal(1, leaf(0));
        Assert.Equal(0, host.Store.GetFuel());

        host.Store.SetFuel(1);
        TrapException trap = Assert.Throws<TrapException>(() => leaf(0));

        Assert.Equal(TrapCode.OutOfFuel, trap.Code);
    }
}
