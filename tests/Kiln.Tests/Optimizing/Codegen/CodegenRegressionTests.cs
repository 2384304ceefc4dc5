using Kiln.Tests.Support;

namespace Kiln.Tests.Optimizing.Codegen;

/// <summary>
/// Shapes the random-module runs rarely produce, run on every tier and checked against fixed answers: each was a
/// miscompilation of the optimizing tier once (found by the bench programs) and fails without its fix.
/// </summary>
public class CodegenRegressionTests
{
    public static TheoryData<string> Tiers => TestTiers.All;

    /// <summary>
    /// A compare whose only use is a brif later in the block, with other instructions between them: the compare must not
    /// be re-evaluated at the branch, where its operands' registers already hold other values.
    /// </summary>
    [Theory]
    [MemberData(nameof(Tiers))]
    public void CompareUsedByALaterBranchIsNotReevaluated(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        const string wat = """
            (module
              (global $g (mut i32) (i32.const 100))
              (func (export "f") (param i32 i32) (result i32) (local i32 i32 i32)
                (local.set 2 (i32.lt_u (local.get 0) (local.get 1)))
                ;; New values take the registers the compare's operands had.
                (local.set 3 (i32.add (global.get $g) (i32.const 1)))
                (local.set 4 (i32.mul (global.get $g) (i32.const 3)))
                (if (result i32) (local.get 2)
                  (then (i32.add (local.get 3) (local.get 4)))
                  (else (i32.sub (local.get 4) (local.get 3))))))
            """;
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, wat));
        Func<int, int, int> f = instance.GetFunction<int, int, int>("f").Invoke;
        Assert.Equal(401, f(1, 2));
        Assert.Equal(199, f(2, 1));
        Assert.Equal(199, f(5, 5));
        Assert.Equal(401, f(0, -1));
    }
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

    /// <summary>
    /// Address arithmetic folded into an access (one 32-bit lea) must wrap modulo 2^32 as i32.add and i32.shl do: an
    /// index of -8 plus 8 reads address 0, not 4 GiB past the base (which would trap on a guard page or a check).
    /// </summary>
    [Theory]
    [MemberData(nameof(TiersAndBounds))]
    public void FoldedAddressArithmeticWrapsModulo32Bits(string tier, BoundsCheckStrategy bounds)
    {
        using var host = new TestHost(TestTiers.Options(tier) with { BoundsChecks = bounds });
        const string wat = """
            (module
              (memory 1)
              (data (i32.const 0) "\01\00\00\00\00\00\00\00\02\00\00\00\00\00\00\00\03")
              (func (export "base_const") (param i32) (result i64) (i64.load (i32.add (local.get 0) (i32.const 8))))
              (func (export "base_index") (param i32 i32) (result i32) (i32.load8_u (i32.add (local.get 0) (local.get 1))))
              (func (export "base_scaled") (param i32 i32) (result i64)
                (i64.load (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 3)))))
              (func (export "scaled") (param i32) (result i64) (i64.load (i32.shl (local.get 0) (i32.const 3))))
              (func (export "store_scaled") (param i32 i32 i32) (result i32)
                (i32.store8 (i32.add (i32.shl (local.get 1) (i32.const 2)) (local.get 0)) (local.get 2))
                (i32.load8_u (i32.const 16)))
              (func (export "twice") (param i32) (result i32)
                (local i32)
                (local.set 1 (i32.add (local.get 0) (i32.const 16)))
                (i32.store8 (local.get 1) (i32.add (i32.load8_u (local.get 1)) (i32.const 1)))
                (i32.add (local.get 0) (i32.load8_u (i32.const 8))))
              (func (export "lea_extended") (param i32) (result i64)
                (i64.extend_i32_u (i32.add (local.get 0) (i32.const 100)))))
            """;
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, wat));
        Func<int, long> baseConst = instance.GetFunction<int, long>("base_const").Invoke;
        Func<int, int, int> baseIndex = instance.GetFunction<int, int, int>("base_index").Invoke;
        Func<int, int, long> baseScaled = instance.GetFunction<int, int, long>("base_scaled").Invoke;
        Func<int, long> scaled = instance.GetFunction<int, long>("scaled").Invoke;
        Func<int, int, int, int> storeScaled = instance.GetFunction<int, int, int, int>("store_scaled").Invoke;
        Func<int, long> leaExtended = instance.GetFunction<int, long>("lea_extended").Invoke;

        Assert.Equal(1, baseConst(-8));
        Assert.Equal(2, baseConst(0));
        Assert.Equal(3, baseIndex(-4, 20));
        Assert.Equal(2, baseIndex(8, 0));
        Assert.Equal(2, baseScaled(-16, 3));
        Assert.Equal(2, baseScaled(8, 0x2000_0000));
        Assert.Equal(2, scaled(0x2000_0001));
        Assert.Equal(7, storeScaled(-4, 0x4000_0005, 7));
        Func<int, int> twice = instance.GetFunction<int, int>("twice").Invoke;
        Assert.Equal(-8 + 3, twice(-8));
        Assert.Equal(3, baseIndex(8, 0));
        Assert.Equal(99, leaExtended(-1));
        Assert.Equal(0xFFFF_FFFFL, leaExtended(-101));
        TrapException trap = Assert.Throws<TrapException>(() => baseConst(65536 - 15));
        Assert.Equal(TrapCode.MemoryOutOfBounds, trap.Code);
        trap = Assert.Throws<TrapException>(() => baseScaled(-8, 0));
        Assert.Equal(TrapCode.MemoryOutOfBounds, trap.Code);
    }

    /// <summary>
    /// A load folded into the arithmetic using it: the result, the operand order of non-commutative operations, and the
    /// out-of-bounds trap (now raised by the arithmetic instruction) must stay those of the separate load.
    /// </summary>
    [Theory]
    [MemberData(nameof(TiersAndBounds))]
    public void LoadFoldedIntoArithmeticKeepsOrderAndTrap(string tier, BoundsCheckStrategy bounds)
    {
        using var host = new TestHost(TestTiers.Options(tier) with { BoundsChecks = bounds });
        const string wat = """
            (module
              (memory 1)
              (func (export "axpy") (param i32 i32 f64) (result f64)
                (f64.store (local.get 0) (f64.const 1.5))
                (f64.store (local.get 1) (f64.const 10))
                (f64.store (local.get 0)
                  (f64.add (f64.load (local.get 0)) (f64.mul (local.get 2) (f64.load (local.get 1)))))
                (f64.load (local.get 0)))
              (func (export "fdiv") (param i32 f32) (result f32)
                (f32.store offset=4 (local.get 0) (f32.const 8))
                (f32.div (local.get 1) (f32.load offset=4 (local.get 0))))
              (func (export "isub") (param i32 i64) (result i64)
                (i64.store (i32.add (local.get 0) (i32.const 8)) (i64.const 5))
                (i64.sub (local.get 1) (i64.load (i32.add (local.get 0) (i32.const 8)))))
              (func (export "imul") (param i32 i32) (result i32)
                (i32.store (local.get 0) (i32.const -3))
                (i32.mul (local.get 1) (i32.load (local.get 0))))
              (func (export "mul_at") (param i32 f64) (result f64) (f64.mul (local.get 1) (f64.load (local.get 0))))
              (func (export "add_at") (param i32 i32) (result i32) (i32.add (local.get 1) (i32.load offset=4 (local.get 0)))))
            """;
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, wat));
        Func<int, int, double, double> axpy = instance.GetFunction<int, int, double, double>("axpy").Invoke;
        Func<int, float, float> fdiv = instance.GetFunction<int, float, float>("fdiv").Invoke;
        Func<int, long, long> isub = instance.GetFunction<int, long, long>("isub").Invoke;
        Func<int, int, int> imul = instance.GetFunction<int, int, int>("imul").Invoke;

        Assert.Equal(21.5, axpy(0, 64, 2));
        Assert.Equal(0.5f, fdiv(100, 4));
        Assert.Equal(-7, isub(200, -2));
        Assert.Equal(-21, imul(300, 7));
        Func<int, double, double> mulAt = instance.GetFunction<int, double, double>("mul_at").Invoke;
        Func<int, int, int> addAt = instance.GetFunction<int, int, int>("add_at").Invoke;
        Assert.Equal(0.0, mulAt(65536 - 8, 3));
        Assert.Equal(TrapCode.MemoryOutOfBounds, Assert.Throws<TrapException>(() => mulAt(65536 - 4, 3)).Code);
        Assert.Equal(9, addAt(65536 - 8, 9));
        Assert.Equal(TrapCode.MemoryOutOfBounds, Assert.Throws<TrapException>(() => addAt(65536 - 7, 9)).Code);
        Assert.Equal(TrapCode.MemoryOutOfBounds, Assert.Throws<TrapException>(() => addAt(-4, 9)).Code);
    }

    /// <summary>
    /// A select whose condition is a compare right before it tests the compare's flags (cmov on the compare's
    /// condition): every condition, signed and unsigned edges, a constant on either side, a float compare with NaN,
    /// and a compare that has other uses (materialized, then tested).
    /// </summary>
    [Theory]
    [MemberData(nameof(Tiers))]
    public void SelectOnACompareUsesItsCondition(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        const string wat = """
            (module
              (func (export "lt_s") (param i32 i32) (result i32) (select (local.get 0) (local.get 1) (i32.lt_s (local.get 0) (local.get 1))))
              (func (export "ge_u") (param i32 i32) (result i32) (select (i32.const 1) (i32.const 2) (i32.ge_u (local.get 0) (local.get 1))))
              (func (export "gt_s_const") (param i32) (result i32) (select (local.get 0) (i32.const -5) (i32.gt_s (i32.const 10) (local.get 0))))
              (func (export "le_u64") (param i64 i64) (result i64) (select (local.get 1) (local.get 0) (i64.le_u (local.get 0) (local.get 1))))
              (func (export "eqz") (param i32 i32) (result i32) (select (local.get 1) (i32.const 99) (i32.eqz (local.get 0))))
              (func (export "flt") (param f64 f64) (result i32) (select (i32.const 1) (i32.const 0) (f64.lt (local.get 0) (local.get 1))))
              (func (export "fge") (param f32 f32) (result i32) (select (i32.const 1) (i32.const 0) (f32.ge (local.get 0) (local.get 1))))
              (func (export "twice") (param i32 i32) (result i32)
                (local i32)
                (local.set 2 (i32.lt_u (local.get 0) (local.get 1)))
                (i32.add (select (local.get 0) (local.get 1) (local.get 2)) (i32.mul (local.get 2) (i32.const 1000)))))
            """;
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, wat));
        Func<int, int, int> ltS = instance.GetFunction<int, int, int>("lt_s").Invoke;
        Func<int, int, int> geU = instance.GetFunction<int, int, int>("ge_u").Invoke;
        Func<int, int> gtSConst = instance.GetFunction<int, int>("gt_s_const").Invoke;
        Func<long, long, long> leU64 = instance.GetFunction<long, long, long>("le_u64").Invoke;
        Func<int, int, int> eqz = instance.GetFunction<int, int, int>("eqz").Invoke;
        Func<double, double, int> flt = instance.GetFunction<double, double, int>("flt").Invoke;
        Func<float, float, int> fge = instance.GetFunction<float, float, int>("fge").Invoke;
        Func<int, int, int> twice = instance.GetFunction<int, int, int>("twice").Invoke;

        Assert.Equal(-3, ltS(-3, 2));
        Assert.Equal(2, ltS(5, 2));
        Assert.Equal(int.MinValue, ltS(int.MinValue, int.MaxValue));
        Assert.Equal(1, geU(-1, 1));
        Assert.Equal(2, geU(1, -1));
        Assert.Equal(1, geU(7, 7));
        Assert.Equal(9, gtSConst(9));
        Assert.Equal(-5, gtSConst(10));
        Assert.Equal(int.MinValue, gtSConst(int.MinValue));
        Assert.Equal(-1L, leU64(3, -1));
        Assert.Equal(-1L, leU64(-1, 3));
        Assert.Equal(4L, leU64(3, 4));
        Assert.Equal(4L, leU64(4, 3));
        Assert.Equal(4, eqz(0, 4));
        Assert.Equal(99, eqz(1, 4));
        Assert.Equal(1, flt(1, 2));
        Assert.Equal(0, flt(2, 1));
        Assert.Equal(0, flt(double.NaN, 1));
        Assert.Equal(0, flt(1, double.NaN));
        Assert.Equal(1, fge(2, 2));
        Assert.Equal(0, fge(float.NaN, 2));
        Assert.Equal(1003, twice(3, 4));
        Assert.Equal(4, twice(5, 4));
        Assert.Equal(1000 + 1, twice(1, -1));
    }

    /// <summary>
    /// An address whose sum has a loaded operand, or a sum of a sum: the load must not be folded into an add that is
    /// itself folded into the access (the loaded value would never reach a register), and (x + y) + c is one lea that
    /// wraps like the two adds.
    /// </summary>
    [Theory]
    [MemberData(nameof(TiersAndBounds))]
    public void FoldedAddressWithLoadedOrNestedOperands(string tier, BoundsCheckStrategy bounds)
    {
        using var host = new TestHost(TestTiers.Options(tier) with { BoundsChecks = bounds });
        const string wat = """
            (module
              (memory 1)
              (data (i32.const 0) "\10\00\00\00\f8\ff\ff\ff")
              (data (i32.const 16) "\2a\00\00\00\07\00\00\00")
              (func (export "base_plus_loaded") (param i32 i32) (result i32)
                (i32.load (i32.add (local.get 0) (i32.load (local.get 1)))))
              (func (export "loaded_plus_const") (param i32) (result i32)
                (i32.load (i32.add (i32.add (local.get 0) (i32.load (i32.const 4))) (i32.const 12))))
              (func (export "nested") (param i32 i32) (result i32)
                (i32.load (i32.add (i32.add (local.get 0) (local.get 1)) (i32.const 4))))
              (func (export "nested_twice") (param i32 i32) (result i32)
                (local i32)
                (local.set 2 (i32.add (local.get 0) (local.get 1)))
                (i32.add
                  (i32.load (local.get 2))
                  (i32.add (i32.load offset=4 (local.get 2)) (i32.add (local.get 0) (local.get 1))))))
            """;
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, wat));
        Func<int, int, int> basePlusLoaded = instance.GetFunction<int, int, int>("base_plus_loaded").Invoke;
        Func<int, int> loadedPlusConst = instance.GetFunction<int, int>("loaded_plus_const").Invoke;
        Func<int, int, int> nested = instance.GetFunction<int, int, int>("nested").Invoke;
        Func<int, int, int> nestedTwice = instance.GetFunction<int, int, int>("nested_twice").Invoke;

        Assert.Equal(42, basePlusLoaded(0, 0));
        Assert.Equal(7, basePlusLoaded(4, 0));
        Assert.Equal(42, basePlusLoaded(24, 4));
        Assert.Equal(42, loadedPlusConst(12));
        Assert.Equal(42, nested(8, 4));
        Assert.Equal(7, nested(8, 8));
        Assert.Equal(42, nested(-20, 32));
        Assert.Equal(42, nested(int.MaxValue, int.MinValue + 13));
        Assert.Equal(42 + 7 + 16, nestedTwice(-16, 32));
    }
}
