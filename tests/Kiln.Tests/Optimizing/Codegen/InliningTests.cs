using Kiln.Tests.Support;

namespace Kiln.Tests.Optimizing.Codegen;

/// <summary>
/// Inlined callees (<c>Optimizing/Passes/Inliner</c>) on every tier against fixed answers: results through several
/// returns, callees that trap (division, a load, unreachable) inlined with their traps showing the callee's frame above
/// the caller's as on the other tiers, with guard pages and with explicit bounds checks, and a callee that calls left
/// as a call. The optimizing tier must really inline here (its statistics say so).
/// </summary>
public class InliningTests
{
    public static TheoryData<string> Tiers => TestTiers.All;

    private const string Wat = """
        (module $inl
          (memory 1)
          (type $un (func (param i32) (result i32)))
          (table 2 funcref)
          (elem (i32.const 0) $twice)
          (func $twice (param i32) (result i32) (i32.add (local.get 0) (local.get 0)))
          (func $pick (param i32 i32) (result i32)
            (if (result i32) (local.get 0) (then (return (call $twice (local.get 1)))) (else (local.get 1))))
          (func $div (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
          (func $half (param i32) (result i32) (i32.div_s (local.get 0) (i32.const 2)))
          (func $load (param i32) (result i32) (i32.load offset=4 (local.get 0)))
          (func $stop (param i32) (result i32) (if (local.get 0) (then unreachable)) (local.get 0))
          (func $via_table (param i32 i32) (result i32) (call_indirect (type $un) (local.get 0) (local.get 1)))
          (func $trunc (param f32) (result i32) (i32.trunc_f32_s (local.get 0)))
          (func $sum (param i32) (result i32) (local i32)
            (loop $l
              (local.set 1 (i32.add (local.get 1) (i32.load (local.get 0))))
              (local.set 0 (i32.add (local.get 0) (i32.const 4096)))
              (br $l))
            (local.get 1))
          (func $call_pick (export "pick") (param i32 i32) (result i32) (i32.add (call $pick (local.get 0) (local.get 1)) (i32.const 1)))
          (func $call_div (export "div") (param i32 i32) (result i32) (i32.mul (call $div (local.get 0) (local.get 1)) (i32.const 3)))
          (func $call_half (export "half") (param i32) (result i32) (i32.sub (call $half (local.get 0)) (i32.const 1)))
          (func $call_load (export "load") (param i32) (result i32) (call $load (local.get 0)))
          (func $call_stop (export "stop") (param i32) (result i32) (call $stop (local.get 0)))
          (func $call_via_table (export "via_table") (param i32 i32) (result i32) (call $via_table (local.get 0) (local.get 1)))
          (func $call_trunc (export "trunc") (param f32) (result i32) (i32.add (call $trunc (local.get 0)) (i32.const 1)))
          (func $call_sum (export "sum") (param i32) (result i32) (call $sum (local.get 0)))
        )
        """;

    public static TheoryData<string, BoundsCheckStrategy> TiersAndBounds()
    {
        var data = new TheoryData<string, BoundsCheckStrategy>();
        foreach (string tier in TestTiers.Names)
        {
            data.Add(tier, BoundsCheckStrategy.GuardPages);
            data.Add(tier, BoundsCheckStrategy.Explicit);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(TiersAndBounds))]
    public void InlinedCalleesComputeAndTrapLikeCalls(string tier, BoundsCheckStrategy bounds)
    {
        using var host = new TestHost(TestTiers.Options(tier) with { BoundsChecks = bounds });
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, Wat));
        Func<int, int, int> pick = instance.GetFunction<int, int, int>("pick").Invoke;
        Func<int, int, int> div = instance.GetFunction<int, int, int>("div").Invoke;
        Func<int, int> load = instance.GetFunction<int, int>("load").Invoke;
        Func<int, int> half = instance.GetFunction<int, int>("half").Invoke;
        Func<int, int> stop = instance.GetFunction<int, int>("stop").Invoke;
        Func<int, int, int> viaTable = instance.GetFunction<int, int, int>("via_table").Invoke;

        Assert.Equal(15, pick(1, 7));
        Assert.Equal(8, pick(0, 7));
        Assert.Equal(-9, div(7, -2));
        Assert.Equal(-4, half(-7));
        Assert.Equal(0, load(65528));
        Assert.Equal(0, stop(0));
        Assert.Equal(22, viaTable(11, 0));

        string[] Frames(TrapException t) => [.. t.Backtrace.Select(f => f.FunctionName)];
        TrapException e = Assert.Throws<TrapException>(() => div(1, 0));
        Assert.Equal(TrapCode.IntegerDivideByZero, e.Code);
        Assert.Equal(["div", "call_div"], Frames(e));
        Assert.Equal(TrapCode.IntegerOverflow, Assert.Throws<TrapException>(() => div(int.MinValue, -1)).Code);
        e = Assert.Throws<TrapException>(() => load(65529));
        Assert.Equal(TrapCode.MemoryOutOfBounds, e.Code);
        Assert.Equal(["load", "call_load"], Frames(e));
        e = Assert.Throws<TrapException>(() => stop(1));
        Assert.Equal(TrapCode.Unreachable, e.Code);
        Assert.Equal(["stop", "call_stop"], Frames(e));
        // call_indirect inside inlined code: the callee it reaches is a real frame again.
        Assert.Equal(TrapCode.UninitializedElement, Assert.Throws<TrapException>(() => viaTable(1, 1)).Code);
        Assert.Equal(TrapCode.UndefinedElement, Assert.Throws<TrapException>(() => viaTable(1, 2)).Code);
        // A trapping conversion, and a load in an inlined loop.
        Func<float, int> trunc = instance.GetFunction<float, int>("trunc").Invoke;
        Assert.Equal(-6, trunc(-7.5f));
        e = Assert.Throws<TrapException>(() => trunc(float.NaN));
        Assert.Equal(TrapCode.InvalidConversionToInteger, e.Code);
        Assert.Equal(["trunc", "call_trunc"], Frames(e));
        e = Assert.Throws<TrapException>(() => trunc(3e9f));
        Assert.Equal(TrapCode.IntegerOverflow, e.Code);
        Assert.Equal(["trunc", "call_trunc"], Frames(e));
        e = Assert.Throws<TrapException>(() => instance.GetFunction<int, int>("sum").Invoke(8));
        Assert.Equal(TrapCode.MemoryOutOfBounds, e.Code);
        Assert.Equal(["sum", "call_sum"], Frames(e));
        // The instance stays usable.
        Assert.Equal(15, pick(1, 7));
        if (TestTiers.InlinesCalls(tier))
        {
            // $twice into $pick, $half, $div, $load, $stop, $trunc and $sum into their callers; $via_table, which
            // calls, stays a call.
            Assert.Equal(7, host.Engine.OptimizingStatistics!.Inlined);
        }
    }
}
