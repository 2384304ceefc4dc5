using Kiln.Tests.Support;
using Kiln.Wasm.Binary;

namespace Kiln.Tests.Interpreter;

/// <summary>
/// v128 values through the translator's slot assignment (two slots each, Vm/SlotLayout): mixed
/// with one-slot values in locals, block parameters and results, branches that carry values over
/// extra operands, returns that overlap locals, calls and select. The spec suite checks each
/// instruction's semantics; these check where the values go.
/// </summary>
public class SimdTests
{
    private static readonly V128 s_a = new(0x0706050403020100, 0x0F0E0D0C0B0A0908);
    private static readonly V128 s_b = new(0x1111111111111111, 0x2222222222222222);

    private static Func Export(string wat, string name)
    {
        var host = new TestHost();
        return host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, wat)).GetFunction(name)!;
    }

    [Fact]
    public void SwappedV128ResultsOverlapTheirLocals()
    {
        // The results go to slots 0..5, where the locals are: each source is saved first.
        Func f = Export("""
            (module (func (export "f") (param i32 v128 v128) (result v128 i32 v128)
              (local.get 2) (local.get 0) (local.get 1)))
            """, "f");

        Value[] r = f.Invoke(Value.FromI32(9), Value.FromV128(s_a), Value.FromV128(s_b));

        Assert.Equal([Value.FromV128(s_b), Value.FromI32(9), Value.FromV128(s_a)], r);
    }

    [Fact]
    public void BlockParamsResultsAndBranchesCarryV128()
    {
        Func f = Export("""
            (module
              (type $t (func (param i32 v128) (result v128 i32)))
              (func (export "f") (param i32 v128 v128) (result v128 i32)
                (local.get 0) (local.get 1)
                (block $out (type $t)
                  (local.set 1)
                  (i32.const 7) (local.get 2) (local.get 1)
                  ;; Extra values below the branch's: the v128 moves down past a one-slot and a two-slot value.
                  (br_if $out (i32.const 100) (local.get 0))
                  (drop) (drop) (drop) (drop) (drop) (local.get 2) (i32.const 200))))
            """, "f");

        Assert.Equal([Value.FromV128(s_a), Value.FromI32(100)], f.Invoke(Value.FromI32(1), Value.FromV128(s_a), Value.FromV128(s_b)));
        Assert.Equal([Value.FromV128(s_b), Value.FromI32(200)], f.Invoke(Value.FromI32(0), Value.FromV128(s_a), Value.FromV128(s_b)));
    }

    [Fact]
    public void BrTableIfElseLoopAndSelectCarryV128()
    {
        Func f = Export("""
            (module
              (func (export "f") (param i32 v128 v128) (result v128)
                (local i32)
                (block $b (result v128)
                  (block $a (result v128)
                    ;; Both targets drop the one-slot value below the v128.
                    (i32.const 5) (local.get 1)
                    (br_table $a $b (local.get 0)))
                  ;; Only from $a: add b.
                  (i64x2.add (local.get 2)))
                ;; Add b twice in a loop that carries the v128 as its parameter.
                (loop $l (param v128) (result v128)
                  (i64x2.add (local.get 2))
                  (local.tee 3 (i32.add (local.get 3) (i32.const 1)))
                  (br_if $l (i32.lt_u (i32.const 2))))
                ;; Index 1: replace it by select's pick, b.
                (if (param v128) (result v128) (local.get 0)
                  (then (drop) (select (local.get 1) (local.get 2) (i32.const 0)))
                  (else))))
            """, "f");

        V128 thrice = new(s_a.Low + (3 * s_b.Low), s_a.High + (3 * s_b.High));
        Assert.Equal(Value.FromV128(thrice), f.Invoke(Value.FromI32(0), Value.FromV128(s_a), Value.FromV128(s_b))[0]);
        Assert.Equal(Value.FromV128(s_b), f.Invoke(Value.FromI32(1), Value.FromV128(s_a), Value.FromV128(s_b))[0]);
    }

    [Fact]
    public void CallsPassV128BetweenFramesDirectAndIndirect()
    {
        Func f = Export("""
            (module
              (type $sig (func (param i64 v128 i32) (result i32 v128)))
              (table 1 funcref) (elem (i32.const 0) $callee)
              (func $callee (type $sig)
                (local v128)
                (local.set 3 (i8x16.sub (local.get 1) (i8x16.splat (local.get 2))))
                (i32.wrap_i64 (local.get 0)) (local.get 3))
              (func (export "f") (param v128) (result i32 v128 i32 v128)
                (call $callee (i64.const 11) (local.get 0) (i32.const 1))
                (call_indirect (type $sig) (i64.const 22) (local.get 0) (i32.const 2) (i32.const 0))))
            """, "f");

        Value[] r = f.Invoke(Value.FromV128(s_b));

        Assert.Equal(Value.FromI32(11), r[0]);
        Assert.Equal(new V128(0x1010101010101010, 0x2121212121212121), r[1].AsV128());
        Assert.Equal(Value.FromI32(22), r[2]);
        Assert.Equal(new V128(0x0F0F0F0F0F0F0F0F, 0x2020202020202020), r[3].AsV128());
    }

    [Fact]
    public void V128LoadAndStoreAreBoundsCheckedAsOneSixteenByteAccess()
    {
        using var host = new TestHost();
        Instance i = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, """
            (module (memory (export "m") 1)
              (func (export "load") (param i32) (result v128) (v128.load offset=1 (local.get 0)))
              (func (export "store") (param i32 v128) (v128.store (local.get 0) (local.get 1))))
            """));
        Func load = i.GetFunction("load")!;
        Func store = i.GetFunction("store")!;

        store.Invoke(Value.FromI32(65536 - 16), Value.FromV128(s_a));
        Assert.Equal(s_a, load.Invoke(Value.FromI32(65536 - 17))[0].AsV128());
        Assert.Equal(TrapCode.MemoryOutOfBounds, Assert.Throws<TrapException>(() => load.Invoke(Value.FromI32(65536 - 16))).Code);
        Assert.Equal(TrapCode.MemoryOutOfBounds, Assert.Throws<TrapException>(() => store.Invoke(Value.FromI32(65536 - 15), Value.FromV128(s_b))).Code);
        Assert.Equal(TrapCode.MemoryOutOfBounds, Assert.Throws<TrapException>(() => load.Invoke(Value.FromI32(-1))).Code);
        // The failed store wrote nothing.
        Assert.Equal(s_a, load.Invoke(Value.FromI32(65536 - 17))[0].AsV128());
    }
}
