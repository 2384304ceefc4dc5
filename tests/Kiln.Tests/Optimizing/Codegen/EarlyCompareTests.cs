using Kiln.Tests.Support;

namespace Kiln.Tests.Optimizing.Codegen;

/// <summary>
/// A compare left in the flags for its block's brif across additions emitted as lea (<c>CodeEmitter.PlanEarlyCompares</c>):
/// the branch must see the compare of the operands as they were, before the additions change them (the loops below
/// count one iteration more or less otherwise), for signed, unsigned, i64, float (NaN included) and eqz compares, on
/// every tier.
/// </summary>
public class EarlyCompareTests
{
    public static TheoryData<string> Tiers => TestTiers.All;

    private const string Wat = """
        (module
          ;; Iterations while i < n before i += 1 (unsigned): n + 1 for n below 2^32 - 1.
          (func (export "lt_u") (param i32) (result i32) (local i32 i32 i32)
            (loop $l
              (local.set 2 (i32.add (local.get 2) (i32.const 1)))
              (local.set 3 (i32.lt_u (local.get 1) (local.get 0)))
              (local.set 1 (i32.add (local.get 1) (i32.const 1)))
              (br_if $l (local.get 3)))
            (local.get 2))
          ;; Signed, with the counter moved by a register (i += step).
          (func (export "le_s") (param i32 i32 i32) (result i32) (local i32 i32)
            (loop $l
              (local.set 3 (i32.add (local.get 3) (i32.const 1)))
              (local.set 4 (i32.le_s (local.get 0) (local.get 1)))
              (local.set 0 (i32.add (local.get 0) (local.get 2)))
              (br_if $l (local.get 4)))
            (local.get 3))
          ;; i64 counting down with a subtraction, the compare against a constant.
          (func (export "gt_s64") (param i64) (result i64) (local i64 i32)
            (loop $l
              (local.set 1 (i64.add (local.get 1) (i64.const 1)))
              (local.set 2 (i64.gt_s (local.get 0) (i64.const -3)))
              (local.set 0 (i64.sub (local.get 0) (i64.const 1)))
              (br_if $l (local.get 2)))
            (local.get 1))
          ;; eqz of the counter before it is decremented.
          (func (export "eqz") (param i32) (result i32) (local i32 i32)
            (loop $l
              (local.set 1 (i32.add (local.get 1) (i32.const 1)))
              (local.set 2 (i32.eqz (i32.and (local.get 0) (i32.const 1))))
              (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
              (br_if $l (local.get 2)))
            (local.get 1))
          ;; A float compare (false for NaN) with an i32 counter incremented between.
          (func (export "flt") (param f64) (result i32) (local i32 i32 f64)
            (loop $l
              (local.set 3 (f64.add (local.get 3) (f64.const 1)))
              (local.set 2 (f64.lt (local.get 3) (local.get 0)))
              (local.set 1 (i32.add (local.get 1) (i32.const 1)))
              (br_if $l (local.get 2)))
            (local.get 1)))
        """;

    [Theory]
    [MemberData(nameof(Tiers))]
    public void BranchesSeeTheCompareBeforeTheAdditions(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        Instance instance = host.Linker.Instantiate(host.Store, global::Kiln.Module.FromText(host.Engine, Wat));
        Func<int, int> ltU = instance.GetFunction<int, int>("lt_u").Invoke;
        Assert.Equal(1, ltU(0));
        Assert.Equal(6, ltU(5));
        Func<int, int, int, int> leS = instance.GetFunction<int, int, int, int>("le_s").Invoke;
        Assert.Equal(5, leS(-3, 0, 1));
        Assert.Equal(1, leS(1, 0, 1));
        Assert.Equal(2, leS(int.MaxValue - 1, int.MaxValue - 1, 1));
        Assert.Equal(4, leS(-10, -2, 4));
        Func<long, long> gtS64 = instance.GetFunction<long, long>("gt_s64").Invoke;
        Assert.Equal(6, gtS64(2));
        Assert.Equal(1, gtS64(-3));
        Assert.Equal(1, gtS64(long.MinValue));
        Func<int, int> eqz = instance.GetFunction<int, int>("eqz").Invoke;
        Assert.Equal(1, eqz(1));
        Assert.Equal(2, eqz(4));
        Assert.Equal(1, eqz(7));
        Func<double, int> flt = instance.GetFunction<double, int>("flt").Invoke;
        Assert.Equal(3, flt(3));
        Assert.Equal(1, flt(0.5));
        Assert.Equal(1, flt(double.NaN));
        Assert.Equal(4, flt(3.5));
    }
}
