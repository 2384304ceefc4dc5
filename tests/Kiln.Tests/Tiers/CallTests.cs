using Kiln.Tests.Support;

namespace Kiln.Tests.Tiers;

/// <summary>Calls on every tier: direct and indirect (through a table that also holds the host import), recursion, host calls and multiple results.</summary>
public class CallTests
{
    public static TheoryData<string> Tiers => TestTiers.All;

    /// <summary>Direct, indirect and host calls, recursion, multi-value, a trap two frames down, a runaway recursion and an endless loop.</summary>
    internal const string Calls = """
        (module $calls
          (type $ii (func (param i32) (result i32)))
          (import "env" "host" (func $host (param i32) (result i32)))
          (table 4 funcref)
          (elem (i32.const 0) $even $odd $host $fib)
          (func $even (export "even") (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 1))
              (else (call_indirect (type $ii) (i32.sub (local.get 0) (i32.const 1)) (i32.const 1)))))
          (func $odd (export "odd") (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
              (else (call $even (i32.sub (local.get 0) (i32.const 1))))))
          (func $fib (export "fib") (param i32) (result i32)
            (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
              (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                             (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
          (func $viaHost (export "via_host") (param i32) (result i32)
            (i32.add (call $host (local.get 0)) (i32.const 1)))
          (func $div (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
          (func $outer (export "outer") (param i32 i32) (result i32) (call $div (local.get 0) (local.get 1)))
          (func (export "multi") (param i64 f64) (result f64 i64 i32)
            (local.get 1) (local.get 0) (i32.wrap_i64 (local.get 0)))
          (func $recurse (export "recurse") (param i32) (result i32) (call $recurse (i32.add (local.get 0) (i32.const 1))))
          (func $spin (export "spin") (loop $l (br $l)))
        )
        """;

    [Theory]
    [MemberData(nameof(Tiers))]
    public void CallsRecursionIndirectCallsAndMultiValue(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        host.Linker.DefineFunction("env", "host", (int x) => x * 10);
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, Calls));

        Assert.Equal(1, instance.GetFunction<int, int>("even").Invoke(10));
        Assert.Equal(1, instance.GetFunction<int, int>("odd").Invoke(7));
        Assert.Equal(6765, instance.GetFunction<int, int>("fib").Invoke(20));
        Assert.Equal(51, instance.GetFunction<int, int>("via_host").Invoke(5));
        Value[] r = instance.GetFunction("multi")!.Invoke(Value.FromI64(0x1_0000_0007), Value.FromF64(2.5));
        Assert.Equal([Value.FromF64(2.5), Value.FromI64(0x1_0000_0007), Value.FromI32(7)], r);
        TrapException trap = Assert.Throws<TrapException>(() => instance.GetFunction<int, int, int>("outer").Invoke(1, 0));
        Assert.Equal(TrapCode.IntegerDivideByZero, trap.Code);
        // The optimizing tier inlines $div: the trap is then inside outer's own code, the only frame there is.
        Assert.Equal(TestTiers.InlinesCalls(tier) ? ["outer"] : ["div", "outer"], trap.Backtrace.Select(f => f.FunctionName));
        Assert.Equal("calls", trap.Backtrace[0].ModuleName);
    }
}
