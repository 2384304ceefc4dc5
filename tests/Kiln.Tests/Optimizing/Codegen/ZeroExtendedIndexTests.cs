using System.Text;
using Kiln.Tests.Support;

namespace Kiln.Tests.Optimizing.Codegen;

/// <summary>
/// The optimizing tier indexes memory with an i32's own register, without a zero-extending copy, when the instruction
/// defining it is known to leave the register's upper half zero (<c>CodeEmitter.IsZeroExtendedInRegister</c>). Each
/// kind that may be used so is run here with operands for which a 64-bit computation would differ from the 32-bit
/// one: stray upper bits would read the wrong byte, fault outside the reservation, or skip a trap. Memory byte i holds
/// i, so a function returning <c>load8_u(x) + x</c> returns 2x for an in-bounds x. Every tier runs the same checks.
/// </summary>
public class ZeroExtendedIndexTests
{
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

    private static string Module()
    {
        var bytes = new StringBuilder();
        for (int i = 0; i < 256; i++)
        {
            bytes.Append('\\').Append(i.ToString("x2"));
        }
        // Each index is used twice (by the load and the add), so it is not folded into the access and lives in a register.
        static string Use(string index) => $"(local.set $x {index}) (i32.add (i32.load8_u (local.get $x)) (local.get $x))";
        return $$"""
            (module
              (memory 1)
              (global $g (mut i32) (i32.const 0x11))
              (data (i32.const 0) "{{bytes}}")
              (data (i32.const 0x200) "\10\00\00\00\80\00\80")
              (func (export "add") (param i32 i32) (result i32) (local $x i32) {{Use("(i32.add (local.get 0) (local.get 1))")}})
              (func (export "sub") (param i32 i32) (result i32) (local $x i32) {{Use("(i32.sub (local.get 0) (local.get 1))")}})
              (func (export "mul") (param i32 i32) (result i32) (local $x i32) {{Use("(i32.mul (local.get 0) (local.get 1))")}})
              (func (export "and") (param i32 i32) (result i32) (local $x i32) {{Use("(i32.and (local.get 0) (local.get 1))")}})
              (func (export "or") (param i32 i32) (result i32) (local $x i32) {{Use("(i32.or (local.get 0) (local.get 1))")}})
              (func (export "xor") (param i32 i32) (result i32) (local $x i32) {{Use("(i32.xor (local.get 0) (local.get 1))")}})
              (func (export "shl") (param i32) (result i32) (local $x i32) {{Use("(i32.shl (local.get 0) (i32.const 1))")}})
              (func (export "shr_u") (param i32) (result i32) (local $x i32) {{Use("(i32.shr_u (local.get 0) (i32.const 4))")}})
              (func (export "shr_s") (param i32) (result i32) (local $x i32) {{Use("(i32.shr_s (local.get 0) (i32.const 24))")}})
              (func (export "rotl") (param i32) (result i32) (local $x i32) {{Use("(i32.rotl (local.get 0) (i32.const 1))")}})
              (func (export "rotr") (param i32) (result i32) (local $x i32) {{Use("(i32.rotr (local.get 0) (i32.const 31))")}})
              (func (export "shl_var") (param i32 i32) (result i32) (local $x i32) {{Use("(i32.shl (local.get 0) (local.get 1))")}})
              (func (export "load") (param i32) (result i32) (local $x i32) {{Use("(i32.load (local.get 0))")}})
              (func (export "load8_s") (param i32) (result i32) (local $x i32) {{Use("(i32.load8_s (local.get 0))")}})
              (func (export "load16_s") (param i32) (result i32) (local $x i32) {{Use("(i32.load16_s (local.get 0))")}})
              (func (export "load16_u") (param i32) (result i32) (local $x i32) {{Use("(i32.load16_u (local.get 0))")}})
              (func (export "select") (param i32 i32 i32) (result i32) (local $x i32)
                {{Use("(select (local.get 0) (local.get 1) (local.get 2))")}})
              (func (export "global") (result i32) (local $x i32) {{Use("(global.get $g)")}})
              (func (export "wrap") (param i64) (result i32) (local $x i32) {{Use("(i32.wrap_i64 (local.get 0))")}})
              (func (export "popcnt") (param i32) (result i32) (local $x i32) {{Use("(i32.popcnt (local.get 0))")}})
              (func $id (param i32) (result i32) (i32.load8_u (i32.const 0)) (drop) (local.get 0))
              (func (export "call") (param i32) (result i32) (local $x i32) {{Use("(call $id (local.get 0))")}})
              ;; A folded x + c with x bounded (and, shr_u, shl, load8_u) indexes with x's register and c in the offset;
              ;; with a bound that lets the sum wrap it must stay a 32-bit lea (the sum wraps to a low address).
              (func (export "and_plus") (param i32) (result i32) (i32.load8_u (i32.add (i32.and (local.get 0) (i32.const 0x3f)) (i32.const 0x40))))
              (func (export "shr_plus") (param i32) (result i32) (i32.load8_u (i32.add (i32.shr_u (local.get 0) (i32.const 26)) (i32.const 0x80))))
              (func (export "shl_plus") (param i32) (result i32)
                (i32.load8_u offset=2 (i32.add (i32.shl (i32.and (local.get 0) (i32.const 0xf)) (i32.const 2)) (i32.const 0x10))))
              (func (export "byte_plus") (param i32) (result i32) (i32.load8_u (i32.add (i32.load8_u (local.get 0)) (i32.const 0xfff0))))
              (func (export "wide_and_plus") (param i32) (result i32)
                (i32.load8_u (i32.add (i32.and (local.get 0) (i32.const 0xfffffff0)) (i32.const 0x20))))
              (func (export "param_plus") (param i32) (result i32) (i32.load8_u (i32.add (local.get 0) (i32.const 0x20))))
              ;; A loop-carried index stepping by -1 (0xffffffff): a 64-bit add would carry into the upper half.
              (func (export "countdown") (param i32) (result i32) (local $p i32) (local $sum i32)
                (local.set $p (local.get 0))
                (loop $l
                  (local.set $sum (i32.add (local.get $sum) (i32.load8_u (local.get $p))))
                  (local.set $p (i32.add (local.get $p) (i32.const -1)))
                  (br_if $l (i32.ne (local.get $p) (i32.const -1))))
                (local.get $sum))
              ;; The loop's index is a block parameter fed by a wrap (in the same register) and by an add.
              (func (export "carried") (param i64 i32) (result i32) (local $p i32) (local $sum i32)
                (local.set $p (i32.wrap_i64 (local.get 0)))
                (loop $l
                  (local.set $sum (i32.add (local.get $sum) (i32.load8_u offset=1 (local.get $p))))
                  (local.set $p (i32.add (local.get $p) (i32.const 0x7fffffff)))
                  (local.set $p (i32.add (local.get $p) (i32.const 0x80000002)))
                  (br_if $l (i32.lt_u (local.get $p) (local.get 1))))
                (local.get $sum)))
            """;
    }

    [Theory]
    [MemberData(nameof(TiersAndBounds))]
    public void IndexesKeepTheirUpperHalfZero(string tier, BoundsCheckStrategy bounds)
    {
        using var host = new TestHost(TestTiers.Options(tier) with { BoundsChecks = bounds });
        Instance instance = host.Linker.Instantiate(host.Store, global::Kiln.Module.FromText(host.Engine, Module()));
        Func<int, int, int> F2(string name) => instance.GetFunction<int, int, int>(name).Invoke;
        Func<int, int> F1(string name) => instance.GetFunction<int, int>(name).Invoke;
        void Traps(Action call) => Assert.Equal(TrapCode.MemoryOutOfBounds, Assert.Throws<TrapException>(call).Code);

        Assert.Equal(0x20, F2("add")(unchecked((int)0xFFFF_FFF0), 0x20));
        Assert.Equal(0x40, F2("sub")(0x10, unchecked((int)0xFFFF_FFF0)));
        Assert.Equal(0x40, F2("mul")(unchecked((int)0x8000_0001), 0x20));
        Assert.Equal(0x20, F2("and")(unchecked((int)0xF000_0010), 0x1F));
        Assert.Equal(0x36, F2("or")(0x12, 0x09));
        Assert.Equal(0x20, F2("xor")(unchecked((int)0x8000_0010), unchecked((int)0x8000_0000)));
        Assert.Equal(0x10, F1("shl")(unchecked((int)0x8000_0004)));
        Assert.Equal(0x20, F1("shr_u")(0x100));
        Traps(() => F1("shr_s")(unchecked((int)0x8000_0000)));
        Assert.Equal(0x40, F1("shr_s")(0x2000_0000));
        Assert.Equal(0x2, F1("rotl")(unchecked((int)0x8000_0000)));
        Assert.Equal(0x4, F1("rotr")(1));
        Assert.Equal(0x20, F2("shl_var")(unchecked((int)0x8000_0002), 35));
        Assert.Equal(0x20, F1("load")(0x200));
        Traps(() => F1("load8_s")(0x204));
        Traps(() => F1("load16_s")(0x205));
        Assert.Equal(0x8000, F1("load16_u")(0x205));
        Func<int, int, int, int> select = instance.GetFunction<int, int, int, int>("select").Invoke;
        Assert.Equal(0x20, select(0x10, unchecked((int)0xFFFF_FF00), 1));
        Assert.Equal(0x20, select(unchecked((int)0xFFFF_FF00), 0x10, 0));
        Assert.Equal(0x22, instance.GetFunction<int>("global").Invoke());
        Assert.Equal(0x20, instance.GetFunction<long, int>("wrap").Invoke(0x1_0000_0010L));
        Traps(() => instance.GetFunction<long, int>("wrap").Invoke(0x1_FFFF_FFFFL));
        Assert.Equal(0x4, F1("popcnt")(unchecked((int)0x8000_0001)));
        Assert.Equal(0x30, F1("call")(0x18));
        Assert.Equal(136, F1("countdown")(16));
        Assert.Equal(0x45, F1("and_plus")(unchecked((int)0xFFFF_FF05)));
        Assert.Equal(0xBF, F1("shr_plus")(unchecked((int)0xFC00_0000)));
        Assert.Equal(0x1E, F1("shl_plus")(unchecked((int)0xFFFF_FFF3)));
        Traps(() => F1("byte_plus")(0x20));
        Assert.Equal(0, F1("byte_plus")(0x00));
        Assert.Equal(0x10, F1("wide_and_plus")(unchecked((int)0xFFFF_FFF0)));
        Assert.Equal(0x40, F1("wide_and_plus")(0x2F));
        Assert.Equal(0x10, F1("param_plus")(unchecked((int)0xFFFF_FFF0)));
        Assert.Equal(1 + 2 + 3 + 4, instance.GetFunction<long, int, int>("carried").Invoke(0x7_0000_0000L, 4));
    }
}
