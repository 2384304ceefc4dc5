using Kiln.Tests.Support;
using Kiln.Wasm.Binary;
using Kiln.Wasm.Model;

namespace Kiln.Tests.Api;

/// <summary>
/// v128 values through the public API: <see cref="Value"/>, untyped calls, host functions and
/// globals, on every tier. A v128 takes two slots (low half first) wherever values sit in a row, so
/// these mix it with one-slot values on both sides of every boundary.
/// </summary>
public class V128Tests
{
    public static TheoryData<string> Tiers => TestTiers.All;

    private static readonly V128 s_pattern = new(0x0706050403020100, 0x0F0E0D0C0B0A0908);

    [Fact]
    public void ValueCarriesV128Bits()
    {
        Value v = Value.FromV128(s_pattern);
        Value same = s_pattern;

        Assert.Equal(ValType.V128, v.Type);
        Assert.Equal(s_pattern, v.AsV128());
        Assert.Equal(v, same);
        Assert.NotEqual(v, Value.FromV128(new V128(s_pattern.Low, 0)));
        Assert.Equal(new V128(0, 0), Value.Default(ValType.V128).AsV128());
        Assert.Throws<InvalidCastException>(() => v.AsI64());
        Assert.Throws<InvalidCastException>(() => Value.FromI64(1).AsV128());
        Assert.Equal("v128:0x0f0e0d0c0b0a09080706050403020100", v.ToString());
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void InvokePassesAndReturnsV128BesideOtherValues(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, """
            (module
              (func (export "f") (param i32 v128 i64) (result i64 v128 i32)
                (local f32 v128)
                (local.set 4 (i32x4.add (local.get 1) (i32x4.splat (local.get 0))))
                (local.get 2) (local.get 4) (i32x4.extract_lane 3 (local.get 1))))
            """));

        Value[] r = instance.GetFunction("f")!.Invoke(Value.FromI32(1), Value.FromV128(s_pattern), Value.FromI64(-5));

        Assert.Equal(Value.FromI64(-5), r[0]);
        Assert.Equal(new V128(0x0706050503020101, 0x0F0E0D0D0B0A0909), r[1].AsV128());
        Assert.Equal(Value.FromI32(0x0F0E0D0C), r[2]);
        Assert.Throws<ArgumentException>(() => instance.GetFunction("f")!.Invoke(Value.FromI32(1), Value.FromI64(2), Value.FromI64(3)));
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void HostFunctionTakesAndReturnsV128(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        V128 seen = default;
        int seenAfter = 0;
        host.Linker.DefineFunction("env", "swap_halves", new FuncType([ValType.I32, ValType.V128, ValType.I32], [ValType.V128, ValType.I32]), (caller, args, results) =>
        {
            seen = args[1].AsV128();
            seenAfter = args[2].AsI32();
            results[0] = Value.FromV128(new V128(seen.High, seen.Low));
            results[1] = Value.FromI32(args[0].AsI32() + args[2].AsI32());
        });
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, """
            (module
              (import "env" "swap_halves" (func $swap (param i32 v128 i32) (result v128 i32)))
              (func (export "run") (param v128) (result i64 i32)
                (local i32)
                (call $swap (i32.const 40) (local.get 0) (i32.const 2))
                (local.set 1)
                (i64x2.extract_lane 0)
                (local.get 1)))
            """));

        Value[] r = instance.GetFunction("run")!.Invoke(Value.FromV128(s_pattern));

        Assert.Equal(s_pattern, seen);
        Assert.Equal(2, seenAfter);
        Assert.Equal(Value.FromI64((long)s_pattern.High), r[0]);
        Assert.Equal(Value.FromI32(42), r[1]);
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void HostFunctionMustReturnV128WhereDeclared(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        host.Linker.DefineFunction("env", "bad", new FuncType([], [ValType.V128]), (caller, args, results) => results[0] = Value.FromI64(1));
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, """
            (module
              (import "env" "bad" (func $bad (result v128)))
              (func (export "run") (result v128) (call $bad)))
            """));

        TrapException e = Assert.Throws<TrapException>(() => instance.GetFunction("run")!.Invoke());
        Assert.Equal(TrapCode.HostError, e.Code);
        Assert.IsType<InvalidOperationException>(e.InnerException);
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void ExportedV128GlobalIsReadAndWrittenFromCSharp(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, """
            (module
              (global $k (export "k") v128 (v128.const i32x4 1 2 3 4))
              (global $g (export "g") (mut v128) (v128.const i64x2 -1 7))
              (func (export "sum") (result i32)
                (i32x4.extract_lane 0 (i32x4.add (global.get $k) (global.get $g))))
              (func (export "set") (param v128) (global.set $g (local.get 0))))
            """));
        Global k = instance.GetGlobal("k")!;
        Global g = instance.GetGlobal("g")!;

        Assert.Equal(new V128(0x0000000200000001, 0x0000000400000003), k.Value.AsV128());
        Assert.Equal(new V128(ulong.MaxValue, 7), g.Value.AsV128());

        g.Value = Value.FromV128(new V128(41, 0));
        Assert.Equal(42, instance.GetFunction("sum")!.Invoke()[0].AsI32());

        instance.GetFunction("set")!.Invoke(Value.FromV128(s_pattern));
        Assert.Equal(s_pattern, g.Value.AsV128());
        Assert.Throws<InvalidOperationException>(() => k.Value = Value.FromV128(s_pattern));
        Assert.Throws<ArgumentException>(() => g.Value = Value.FromI64(1));
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void HostV128GlobalIsSharedWithImporters(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        Global shared = Global.Create(host.Store, new GlobalType(ValType.V128, Mutable: true), Value.FromV128(s_pattern));
        host.Linker.Define("env", "g", shared);
        host.Linker.Define("env", "k", Global.Create(host.Store, new GlobalType(ValType.V128, Mutable: false), Value.FromV128(new V128(3, 4))));
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, """
            (module
              (import "env" "g" (global $g (mut v128)))
              (import "env" "k" (global $k v128))
              (global $copy (export "copy") v128 (global.get $k))
              (func (export "bump") (global.set $g (i8x16.add (global.get $g) (v128.const i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1)))))
            """));

        instance.GetFunction("bump")!.Invoke();

        Assert.Equal(new V128(0x0807060504030201, 0x100F0E0D0C0B0A09), shared.Value.AsV128());
        Assert.Equal(new V128(3, 4), instance.GetGlobal("copy")!.Value.AsV128());
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void V128ValuesWithoutSimdInstructionsRun(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        host.Linker.DefineFunction("env", "h", new FuncType([], [ValType.V128]), (caller, args, results) => results[0] = Value.FromV128(s_pattern));
        // No SIMD instruction, but v128 values all the same: from a global, a block, a callee, a select, a local.
        Instance instance = host.Linker.Instantiate(host.Store, Module.FromText(host.Engine, """
            (module
              (import "env" "h" (func $h (result v128)))
              (global $g v128 (v128.const i64x2 5 6))
              (func (export "global") (result v128) (global.get $g))
              (func (export "block") (param i32) (result v128)
                (block (result v128) (br_if 0 (global.get $g) (local.get 0)) (drop) (call $h)))
              (func (export "select") (param i32) (result v128) (local v128)
                (local.set 1 (call $h))
                (select (local.get 1) (global.get $g) (local.get 0)))
              (func (export "zero") (result v128) (local v128) (local.get 0)))
            """));

        Assert.Equal(new V128(5, 6), instance.GetFunction("global")!.Invoke()[0].AsV128());
        Assert.Equal(new V128(5, 6), instance.GetFunction("block")!.Invoke(Value.FromI32(1))[0].AsV128());
        Assert.Equal(s_pattern, instance.GetFunction("block")!.Invoke(Value.FromI32(0))[0].AsV128());
        Assert.Equal(s_pattern, instance.GetFunction("select")!.Invoke(Value.FromI32(7))[0].AsV128());
        Assert.Equal(new V128(5, 6), instance.GetFunction("select")!.Invoke(Value.FromI32(0))[0].AsV128());
        Assert.Equal(new V128(0, 0), instance.GetFunction("zero")!.Invoke()[0].AsV128());
    }
}
