using Kiln.Interpreter;
using Kiln.Tests.Support;
using Kiln.Wasm.Model;

namespace Kiln.Tests.Tiers;

/// <summary>The numeric rules where C# and x86 differ from Wasm, each body run on every tier (<see cref="TestTiers"/>).</summary>
public class NumericTests
{
    public static TheoryData<string> Tiers => TestTiers.All;

    private static Value Run(string tier, string op, ValType[] parameters, ValType result, params Value[] args)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        var b = new ModuleBuilder();
        var code = Enumerable.Range(0, parameters.Length).Select(i => $"local.get {i}").Append(op).ToArray();
        b.AddFunction("f", parameters, [result], T.None, code);
        return host.Instantiate(b).GetFunction("f")!.Invoke(args)[0];
    }

    private static TrapCode Traps(string tier, string op, ValType[] parameters, ValType result, params Value[] args) =>
        Assert.Throws<TrapException>(() => Run(tier, op, parameters, result, args)).Code;

    [Theory]
    [MemberData(nameof(Tiers))]
    public void IntegerDivisionTrapsAndRemainderEdgeCases(string tier)
    {
        Assert.Equal(TrapCode.IntegerOverflow, Traps(tier, "i32.div_s", T.I32I32, ValType.I32, int.MinValue, -1));
        Assert.Equal(TrapCode.IntegerOverflow, Traps(tier, "i64.div_s", T.I64I64, ValType.I64, long.MinValue, -1L));
        Assert.Equal(TrapCode.IntegerDivideByZero, Traps(tier, "i32.div_u", T.I32I32, ValType.I32, 1, 0));
        Assert.Equal(TrapCode.IntegerDivideByZero, Traps(tier, "i64.rem_s", T.I64I64, ValType.I64, 1L, 0L));
        Assert.Equal(Value.FromI32(0), Run(tier, "i32.rem_s", T.I32I32, ValType.I32, int.MinValue, -1));
        Assert.Equal(Value.FromI64(0), Run(tier, "i64.rem_s", T.I64I64, ValType.I64, long.MinValue, -1L));
        Assert.Equal(Value.FromI32(-1), Run(tier, "i32.rem_s", T.I32I32, ValType.I32, -7, 2));
        Assert.Equal(Value.FromI32(2147483647), Run(tier, "i32.div_u", T.I32I32, ValType.I32, -1, 2));
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void ShiftCountsAreMasked(string tier)
    {
        Assert.Equal(Value.FromI32(2), Run(tier, "i32.shl", T.I32I32, ValType.I32, 1, 33));
        Assert.Equal(Value.FromI32(-1), Run(tier, "i32.shr_s", T.I32I32, ValType.I32, int.MinValue, 63));
        Assert.Equal(Value.FromI64(1), Run(tier, "i64.shr_u", T.I64I64, ValType.I64, long.MinValue, 127L));
        Assert.Equal(Value.FromI32(unchecked((int)0x80000000)), Run(tier, "i32.rotr", T.I32I32, ValType.I32, 1, 33));
        Assert.Equal(Value.FromI64(1), Run(tier, "i64.rotl", T.I64I64, ValType.I64, long.MinValue, 65L));
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void BitCounts(string tier)
    {
        Assert.Equal(Value.FromI32(32), Run(tier, "i32.clz", T.I32, ValType.I32, 0));
        Assert.Equal(Value.FromI32(32), Run(tier, "i32.ctz", T.I32, ValType.I32, 0));
        Assert.Equal(Value.FromI64(64), Run(tier, "i64.clz", T.I64, ValType.I64, 0L));
        Assert.Equal(Value.FromI64(64), Run(tier, "i64.popcnt", T.I64, ValType.I64, -1L));
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void MinMaxHandleSignedZerosAndNaN(string tier)
    {
        Assert.Equal(0x8000_0000u, Run(tier, "f32.min", T.F32F32, ValType.F32, 0f, -0f).AsF32Bits());
        Assert.Equal(0u, Run(tier, "f32.max", T.F32F32, ValType.F32, -0f, 0f).AsF32Bits());
        Assert.Equal(0x8000_0000_0000_0000ul, Run(tier, "f64.min", T.F64F64, ValType.F64, 0.0, -0.0).AsF64Bits());
        Assert.True(float.IsNaN(Run(tier, "f32.min", T.F32F32, ValType.F32, float.NaN, 1f).AsF32()));
        Assert.True(double.IsNaN(Run(tier, "f64.max", T.F64F64, ValType.F64, 1.0, double.NaN).AsF64()));
        // A signalling NaN operand gives a quiet (arithmetic) NaN.
        uint bits = Run(tier, "f32.max", T.F32F32, ValType.F32, Value.FromF32Bits(0x7F80_0001), 1f).AsF32Bits();
        Assert.Equal(0x7FC0_0000u, bits & 0x7FC0_0000u);
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void NearestRoundsHalfToEven(string tier)
    {
        Assert.Equal(2f, Run(tier, "f32.nearest", T.F32, ValType.F32, 2.5f).AsF32());
        Assert.Equal(4f, Run(tier, "f32.nearest", T.F32, ValType.F32, 3.5f).AsF32());
        Assert.Equal(0x8000_0000u, Run(tier, "f32.nearest", T.F32, ValType.F32, -0.5f).AsF32Bits());
        Assert.Equal(-2.0, Run(tier, "f64.nearest", T.F64, ValType.F64, -2.5).AsF64());
        Assert.Equal(4503599627370497.0, Run(tier, "f64.nearest", T.F64, ValType.F64, 4503599627370497.0).AsF64());
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void SignOperationsKeepNaNPayloads(string tier)
    {
        Assert.Equal(0xFFA0_0001u, Run(tier, "f32.neg", T.F32, ValType.F32, Value.FromF32Bits(0x7FA0_0001)).AsF32Bits());
        Assert.Equal(0x7FA0_0001u, Run(tier, "f32.abs", T.F32, ValType.F32, Value.FromF32Bits(0xFFA0_0001)).AsF32Bits());
        Assert.Equal(0xFFF0_0000_0000_0001ul, Run(tier, "f64.copysign", T.F64F64, ValType.F64, Value.FromF64Bits(0x7FF0_0000_0000_0001), -1.0).AsF64Bits());
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void TruncationTrapsOnNaNAndOverflow(string tier)
    {
        Assert.Equal(TrapCode.InvalidConversionToInteger, Traps(tier, "i32.trunc_f32_s", T.F32, ValType.I32, float.NaN));
        Assert.Equal(TrapCode.IntegerOverflow, Traps(tier, "i32.trunc_f32_s", T.F32, ValType.I32, 2147483648f));
        Assert.Equal(Value.FromI32(int.MinValue), Run(tier, "i32.trunc_f32_s", T.F32, ValType.I32, -2147483648f));
        Assert.Equal(Value.FromI32(int.MinValue), Run(tier, "i32.trunc_f64_s", T.F64, ValType.I32, -2147483648.9));
        Assert.Equal(TrapCode.IntegerOverflow, Traps(tier, "i32.trunc_f64_s", T.F64, ValType.I32, -2147483649.0));
        Assert.Equal(Value.FromI32(0), Run(tier, "i32.trunc_f64_u", T.F64, ValType.I32, -0.9));
        Assert.Equal(TrapCode.IntegerOverflow, Traps(tier, "i32.trunc_f64_u", T.F64, ValType.I32, -1.0));
        Assert.Equal(Value.FromI32(-1), Run(tier, "i32.trunc_f64_u", T.F64, ValType.I32, 4294967295.9));
        Assert.Equal(TrapCode.IntegerOverflow, Traps(tier, "i64.trunc_f64_s", T.F64, ValType.I64, 9223372036854775808.0));
        Assert.Equal(TrapCode.IntegerOverflow, Traps(tier, "i64.trunc_f32_u", T.F32, ValType.I64, 18446744073709551616f));
        Assert.Equal(Value.FromI64(-1099511627776), Run(tier, "i64.trunc_f32_u", T.F32, ValType.I64, 18446742974197923840f));
    }

    /// <summary>Edge sources for the truncations: both sides of every range bound, NaN, infinities, zeros, fractions.</summary>
    private static readonly double[] s_truncationSources =
    [
        double.NaN, -double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, 0.5, -0.5, 0.9999, -0.9999,
        1.0, -1.0, -1.5, 123.75, -123.75, 1e-300, 2147483647.0, 2147483647.9, 2147483648.0, 2147483520.0, -2147483648.0,
        -2147483648.9, -2147483649.0, -2147483904.0, 4294967295.0, 4294967295.9, 4294967296.0, 4294967040.0,
        9223372036854774784.0, 9223371487098961920.0, 9223372036854775808.0, -9223372036854775808.0,
        -9223372036854777856.0, -9223373136366403584.0, 18446744073709549568.0, 18446742974197923840.0,
        18446744073709551616.0, 1e30, -1e30,
    ];

    /// <summary>
    /// Every trapping and saturating truncation on every edge source, against the interpreter's arithmetic
    /// (<c>WasmMath</c>): the same result or the same trap. Both the f32 and the f64 form of each source.
    /// </summary>
    [Theory]
    [MemberData(nameof(Tiers))]
    public void TruncationsMatchWasmMathOnEdgeSources(string tier)
    {
        (string Op, bool FromF32, bool ToI64, Func<double, long> Reference)[] ops =
        [
            ("i32.trunc_f32_s", true, false, d => WasmMath.I32TruncF32S((float)d)),
            ("i32.trunc_f32_u", true, false, d => (int)WasmMath.I32TruncF32U((float)d)),
            ("i32.trunc_f64_s", false, false, d => WasmMath.I32TruncF64S(d)),
            ("i32.trunc_f64_u", false, false, d => (int)WasmMath.I32TruncF64U(d)),
            ("i64.trunc_f32_s", true, true, d => WasmMath.I64TruncF32S((float)d)),
            ("i64.trunc_f32_u", true, true, d => (long)WasmMath.I64TruncF32U((float)d)),
            ("i64.trunc_f64_s", false, true, d => WasmMath.I64TruncF64S(d)),
            ("i64.trunc_f64_u", false, true, d => (long)WasmMath.I64TruncF64U(d)),
            ("i32.trunc_sat_f32_s", true, false, d => WasmMath.I32TruncSatF32S((float)d)),
            ("i32.trunc_sat_f32_u", true, false, d => (int)WasmMath.I32TruncSatF32U((float)d)),
            ("i32.trunc_sat_f64_s", false, false, d => WasmMath.I32TruncSatF64S(d)),
            ("i32.trunc_sat_f64_u", false, false, d => (int)WasmMath.I32TruncSatF64U(d)),
            ("i64.trunc_sat_f32_s", true, true, d => WasmMath.I64TruncSatF32S((float)d)),
            ("i64.trunc_sat_f32_u", true, true, d => (long)WasmMath.I64TruncSatF32U((float)d)),
            ("i64.trunc_sat_f64_s", false, true, d => WasmMath.I64TruncSatF64S(d)),
            ("i64.trunc_sat_f64_u", false, true, d => (long)WasmMath.I64TruncSatF64U(d)),
        ];
        using var host = new TestHost(TestTiers.Options(tier));
        var b = new ModuleBuilder();
        foreach ((string op, bool fromF32, bool toI64, _) in ops)
        {
            // The result widened to i64 and the source returned too, so a sequence that clobbers it shows.
            string widen = toI64 ? "nop" : (op.EndsWith("_s") ? "i64.extend_i32_s" : "i64.extend_i32_u");
            b.AddFunction(op, fromF32 ? T.F32 : T.F64, [ValType.I64, fromF32 ? ValType.F32 : ValType.F64], T.None,
                "local.get 0", op, widen, "local.get 0");
        }
        Instance instance = host.Instantiate(b);
        foreach ((string op, bool fromF32, bool toI64, Func<double, long> reference) in ops)
        {
            var f = instance.GetFunction(op)!;
            foreach (double d in s_truncationSources)
            {
                Value arg = fromF32 ? Value.FromF32((float)d) : Value.FromF64(d);
                TrapCode? expectedTrap = null;
                long expected = 0;
                try
                {
                    expected = reference(d);
                }
                catch (TrapException e)
                {
                    expectedTrap = e.Code;
                }
                if (!toI64)
                {
                    expected = op.EndsWith("_s") ? (int)expected : (uint)expected;
                }
                if (expectedTrap is { } code)
                {
                    Assert.True(code == Assert.Throws<TrapException>(() => f.Invoke(arg)).Code, $"{op}({d})");
                    continue;
                }
                Value[] results = f.Invoke(arg);
                Assert.True(expected == results[0].AsI64(), $"{op}({d}): {results[0].AsI64()}, expected {expected}");
                Assert.Equal(arg, results[1]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void SaturatingTruncationClamps(string tier)
    {
        Assert.Equal(Value.FromI32(0), Run(tier, "i32.trunc_sat_f32_s", T.F32, ValType.I32, float.NaN));
        Assert.Equal(Value.FromI32(int.MaxValue), Run(tier, "i32.trunc_sat_f32_s", T.F32, ValType.I32, 1e10f));
        Assert.Equal(Value.FromI32(int.MinValue), Run(tier, "i32.trunc_sat_f64_s", T.F64, ValType.I32, double.NegativeInfinity));
        Assert.Equal(Value.FromI32(-1), Run(tier, "i32.trunc_sat_f64_u", T.F64, ValType.I32, 1e300));
        Assert.Equal(Value.FromI64(0), Run(tier, "i64.trunc_sat_f64_u", T.F64, ValType.I64, -1.0));
        Assert.Equal(Value.FromI64(long.MinValue), Run(tier, "i64.trunc_sat_f32_s", T.F32, ValType.I64, -1e30f));
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void UnsignedConversionRoundsOnce(string tier)
    {
        Assert.Equal(18446744073709551616f, Run(tier, "f32.convert_i64_u", T.I64, ValType.F32, -1L).AsF32());
        // 0x8000008000000001 is just above a tie; rounding through double first would give 2^63.
        Assert.Equal(0x5F00_0001u, Run(tier, "f32.convert_i64_u", T.I64, ValType.F32, unchecked((long)0x8000_0080_0000_0001)).AsF32Bits());
        Assert.Equal(0x43E0_0000_0000_0001ul, Run(tier, "f64.convert_i64_u", T.I64, ValType.F64, unchecked((long)0x8000_0000_0000_0401)).AsF64Bits());
        Assert.Equal(4294967295f, Run(tier, "f32.convert_i32_u", T.I32, ValType.F32, -1).AsF32());
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void WrapAndExtendUseTheRightHalf(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        var b = new ModuleBuilder();
        b.AddFunction("zx", T.I64, T.I64, T.None, "local.get 0", "i32.wrap_i64", "i64.extend_i32_u");
        b.AddFunction("sx", T.I64, T.I64, T.None, "local.get 0", "i32.wrap_i64", "i64.extend_i32_s");
        b.AddFunction("ext8", T.I64, T.I64, T.None, "local.get 0", "i64.extend8_s");
        Instance i = host.Instantiate(b);

        Assert.Equal(0xFFFF_FFFFL, i.GetFunction<long, long>("zx").Invoke(0x1_FFFF_FFFF));
        Assert.Equal(-1L, i.GetFunction<long, long>("sx").Invoke(0x1_FFFF_FFFF));
        Assert.Equal(-128L, i.GetFunction<long, long>("ext8").Invoke(0x1234_5680));
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void EffectiveAddressDoesNotWrap(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        var b = new ModuleBuilder();
        b.AddMemory(1);
        b.AddFunction("far", T.I32, T.I32, T.None, "local.get 0", "i32.load8_u 4294967295");
        b.AddFunction("near", T.I32, T.I32, T.None, "local.get 0", "i32.load16_s 65534");
        b.AddFunction("st", T.I32I32, T.None, T.None, "local.get 0", "local.get 1", "i64.extend_i32_s", "i64.store32 65532");
        Instance i = host.Instantiate(b);

        Assert.Equal(TrapCode.MemoryOutOfBounds, Assert.Throws<TrapException>(() => i.GetFunction<int, int>("far").Invoke(1)).Code);
        Assert.Equal(0, i.GetFunction<int, int>("near").Invoke(0));
        Assert.Equal(TrapCode.MemoryOutOfBounds, Assert.Throws<TrapException>(() => i.GetFunction<int, int>("near").Invoke(1)).Code);
        i.GetAction<int, int>("st").Invoke(0, -2);
        Assert.Equal(-1, i.GetFunction<int, int>("near").Invoke(0));
        Assert.Equal(TrapCode.MemoryOutOfBounds, Assert.Throws<TrapException>(() => i.GetAction<int, int>("st").Invoke(1, 0)).Code);
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void StoresOfConstantsWriteTheRightWidth(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        var b = new ModuleBuilder();
        b.AddMemory(1);
        b.Export("memory", ExternKind.Memory, 0);
        b.AddFunction("run", T.I32, T.None, T.None,
            "local.get 0", "i64.const -1", "i64.store 0",
            "local.get 0", "f64.const 1.5", "f64.store 8",
            "local.get 0", "f64.const 0", "f64.store 16",
            "local.get 0", "i32.const 0x1FF", "i32.store8 24",
            "local.get 0", "i64.const 0x123456789", "i64.store32 28",
            "local.get 0", "i32.const 0x12345", "i32.store16 32",
            "local.get 0", "f32.const -2", "f32.store 36",
            "local.get 0", "i64.const 0x1122334455667788", "i64.store 40");
        Instance i = host.Instantiate(b);
        Memory memory = i.GetMemory("memory")!;
        memory.Span[..64].Fill(0xAA);

        i.GetAction<int>("run").Invoke(0);

        Assert.Equal(-1L, memory.ReadInt64(0));
        Assert.Equal(BitConverter.DoubleToInt64Bits(1.5), memory.ReadInt64(8));
        Assert.Equal(0L, memory.ReadInt64(16));
        Assert.Equal([0xFF, 0xAA], memory.Span[24..26].ToArray());
        Assert.Equal(0x23456789, memory.ReadInt32(28));
        Assert.Equal([0x45, 0x23, 0xAA], memory.Span[32..35].ToArray());
        Assert.Equal(BitConverter.SingleToInt32Bits(-2f), memory.ReadInt32(36));
        Assert.Equal(0x1122334455667788L, memory.ReadInt64(40));
        Assert.Equal(TrapCode.MemoryOutOfBounds, Assert.Throws<TrapException>(() => i.GetAction<int>("run").Invoke(65536 - 47)).Code);
    }

    [Theory]
    [MemberData(nameof(Tiers))]
    public void BulkMemoryBoundsAndOverlap(string tier)
    {
        using var host = new TestHost(TestTiers.Options(tier));
        var b = new ModuleBuilder();
        b.AddMemory(1);
        b.Export("memory", ExternKind.Memory, 0);
        b.AddPassiveData([1, 2, 3, 4]);
        b.AddFunction("init", T.Of(ValType.I32, ValType.I32, ValType.I32), T.None, T.None, "local.get 0", "local.get 1", "local.get 2", "memory.init 0");
        b.AddFunction("drop", T.None, T.None, T.None, "data.drop 0");
        b.AddFunction("copy", T.Of(ValType.I32, ValType.I32, ValType.I32), T.None, T.None, "local.get 0", "local.get 1", "local.get 2", "memory.copy");
        b.AddFunction("fill", T.Of(ValType.I32, ValType.I32, ValType.I32), T.None, T.None, "local.get 0", "local.get 1", "local.get 2", "memory.fill");
        Instance i = host.Instantiate(b);
        Span<byte> Mem() => i.GetMemory("memory")!.Span;
        TypedAction<int, int, int> init = i.GetAction<int, int, int>("init");

        init.Invoke(10, 0, 4);
        Assert.Equal([1, 2, 3, 4], Mem()[10..14].ToArray());
        Assert.Equal(TrapCode.MemoryOutOfBounds, Assert.Throws<TrapException>(() => init.Invoke(0, 2, 3)).Code);
        init.Invoke(65536, 4, 0);
        i.GetAction<int, int, int>("copy").Invoke(11, 10, 4);
        Assert.Equal([1, 1, 2, 3, 4], Mem()[10..15].ToArray());
        Assert.Equal(TrapCode.MemoryOutOfBounds, Assert.Throws<TrapException>(() => i.GetAction<int, int, int>("fill").Invoke(65535, 7, 2)).Code);
        Assert.Equal(0, Mem()[65535]);
        i.GetAction("drop").Invoke();
        init.Invoke(0, 0, 0);
        Assert.Equal(TrapCode.MemoryOutOfBounds, Assert.Throws<TrapException>(() => init.Invoke(0, 0, 1)).Code);
    }
}
