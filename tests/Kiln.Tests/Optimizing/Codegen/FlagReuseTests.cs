using Kiln.Tests.Support;

namespace Kiln.Tests.Optimizing.Codegen;

/// <summary>
/// A brif that jumps on the flags the instruction before it left (<c>CodeEmitter.Flags.cs</c>): a materialized compare
/// also used later, a second compare of the same operands with another condition, the zero flag of an and, sub or add
/// (the 32-bit result wrapping to zero included), eqz of an and, and a compare whose branch starts another block that a
/// second edge enters with other flags. Each result differs when the branch goes the wrong way, on every tier.
/// </summary>
public class FlagReuseTests
{
    public static TheoryData<string> Tiers => TestTiers.All;

    private const string Wat = """
        (module
          (memory 1)
          (data (i32.const 16) "ab\00")
          (func (export "twice") (param i32 i32) (result i32) (local i32)
            (local.set 2 (i32.lt_s (local.get 0) (local.get 1)))
            (if (local.get 2) (then (return (i32.add (local.get 2) (i32.const 10)))))
            (local.get 2))
          ;; Signed and unsigned orders of the same operands: lt_s materialized, ge_u fused into the branch.
          (func (export "orders") (param i32 i32) (result i32) (local i32)
            (local.set 2 (i32.lt_s (local.get 0) (local.get 1)))
            (if (i32.ge_u (local.get 0) (local.get 1)) (then (return (i32.add (local.get 2) (i32.const 20)))))
            (i32.add (local.get 2) (i32.const 30)))
          ;; The length of the string at the address, plus 100 if the byte there was non-zero.
          (func (export "same_operands") (param i32) (result i32) (local i32 i32 i32)
            (loop $l
              (local.set 1 (i32.load8_u (local.get 0)))
              (local.set 2 (i32.ne (local.get 1) (i32.const 0)))
              (if (i32.eqz (local.get 1)) (then (return (i32.add (local.get 3) (i32.mul (local.get 2) (i32.const 100))))))
              (local.set 3 (i32.add (local.get 3) (i32.const 1)))
              (local.set 0 (i32.add (local.get 0) (i32.const 1)))
              (br $l))
            (unreachable))
          (func (export "and_bit") (param i32 i32) (result i32)
            (if (result i32) (i32.and (local.get 0) (local.get 1)) (then (i32.const 7)) (else (i32.const 9))))
          ;; Shifts until the low bit is set: the position of the lowest set bit above bit 0, plus one.
          (func (export "eqz_and") (param i32) (result i32) (local i32)
            (loop $l
              (local.set 1 (i32.add (local.get 1) (i32.const 1)))
              (local.set 0 (i32.shr_u (local.get 0) (i32.const 1)))
              (br_if $l (i32.eqz (i32.and (local.get 0) (i32.const 1)))))
            (local.get 1))
          (func (export "sub_zero") (param i32 i32) (result i32)
            (if (result i32) (i32.sub (local.get 0) (local.get 1)) (then (i32.const 1)) (else (i32.const 2))))
          (func (export "add_zero") (param i32) (result i32)
            (if (result i32) (i32.add (local.get 0) (i32.const 1)) (then (i32.const 1)) (else (i32.const 2))))
          ;; i64 and: the branch tests its i32 wrap, not the 64-bit result.
          (func (export "and64_low") (param i64 i64) (result i32)
            (if (result i32) (i32.wrap_i64 (i64.and (local.get 0) (local.get 1))) (then (i32.const 1)) (else (i32.const 2))))
          (func (export "join") (param i32 i32 i32) (result i32) (local i32)
            (local.set 3 (i32.ne (local.get 0) (local.get 1)))
            (if (local.get 2) (then (local.set 3 (i32.const 5))))
            (if (result i32) (local.get 3) (then (i32.const 3)) (else (i32.const 4)))))
        """;

    [Theory]
    [MemberData(nameof(Tiers))]
    public void BranchesOnTheFlagsLeftBehind(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        Instance instance = host.Linker.Instantiate(host.Store, global::Kiln.Module.FromText(host.Engine, Wat));
        Func<int, int, int> twice = instance.GetFunction<int, int, int>("twice").Invoke;
        Assert.Equal(11, twice(1, 2));
        Assert.Equal(0, twice(2, 2));
        Assert.Equal(11, twice(-5, 2));
        Func<int, int, int> orders = instance.GetFunction<int, int, int>("orders").Invoke;
        Assert.Equal(31, orders(1, 2));
        Assert.Equal(20, orders(2, 2));
        Assert.Equal(21, orders(-1, 2));
        Assert.Equal(30, orders(3, -1));
        Func<int, int> sameOperands = instance.GetFunction<int, int>("same_operands").Invoke;
        Assert.Equal(2, sameOperands(16));
        Assert.Equal(1, sameOperands(17));
        Assert.Equal(0, sameOperands(18));
        Func<int, int, int> andBit = instance.GetFunction<int, int, int>("and_bit").Invoke;
        Assert.Equal(7, andBit(6, 3));
        Assert.Equal(9, andBit(4, 3));
        Func<int, int> eqzAnd = instance.GetFunction<int, int>("eqz_and").Invoke;
        Assert.Equal(1, eqzAnd(2));
        Assert.Equal(3, eqzAnd(8));
        Assert.Equal(1, eqzAnd(3));
        Func<int, int, int> subZero = instance.GetFunction<int, int, int>("sub_zero").Invoke;
        Assert.Equal(2, subZero(5, 5));
        Assert.Equal(1, subZero(5, 6));
        Func<int, int> addZero = instance.GetFunction<int, int>("add_zero").Invoke;
        Assert.Equal(2, addZero(-1));
        Assert.Equal(1, addZero(0));
        Assert.Equal(1, addZero(int.MaxValue));
        Func<long, long, int> and64Low = instance.GetFunction<long, long, int>("and64_low").Invoke;
        Assert.Equal(2, and64Low(1L << 40, 1L << 40));
        Assert.Equal(1, and64Low(3, 1));
        Func<int, int, int, int> join = instance.GetFunction<int, int, int, int>("join").Invoke;
        Assert.Equal(4, join(1, 1, 0));
        Assert.Equal(3, join(1, 2, 0));
        Assert.Equal(3, join(1, 1, 1));
    }
}
