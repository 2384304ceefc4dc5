using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Kiln.Interpreter;

/// <summary>
/// Wasm numeric semantics where C# differs from the spec (spec 4.3): trapping division and
/// truncation, IEEE min/max with NaN and signed zeros, round-half-to-even, saturating truncation,
/// and exact unsigned 64-bit to float conversion. The interpreter is the reference for compiled
/// tiers, so every rule is spelled out here rather than left to the platform.
/// </summary>
internal static class WasmMath
{
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Trap(TrapCode code) => throw new TrapException(code);

    // Spec 4.3.2 idiv_s: division by zero traps, and so does INT_MIN / -1 (the result overflows).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int I32DivS(int a, int b)
    {
        if (b == 0)
        {
            Trap(TrapCode.IntegerDivideByZero);
        }
        if (b == -1 && a == int.MinValue)
        {
            Trap(TrapCode.IntegerOverflow);
        }
        return a / b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint I32DivU(uint a, uint b)
    {
        if (b == 0)
        {
            Trap(TrapCode.IntegerDivideByZero);
        }
        return a / b;
    }

    // Spec 4.3.2 irem_s: INT_MIN rem -1 is 0 (x86 idiv would fault, so -1 is special-cased).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int I32RemS(int a, int b)
    {
        if (b == 0)
        {
            Trap(TrapCode.IntegerDivideByZero);
        }
        return b == -1 ? 0 : a % b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint I32RemU(uint a, uint b)
    {
        if (b == 0)
        {
            Trap(TrapCode.IntegerDivideByZero);
        }
        return a % b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long I64DivS(long a, long b)
    {
        if (b == 0)
        {
            Trap(TrapCode.IntegerDivideByZero);
        }
        if (b == -1 && a == long.MinValue)
        {
            Trap(TrapCode.IntegerOverflow);
        }
        return a / b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong I64DivU(ulong a, ulong b)
    {
        if (b == 0)
        {
            Trap(TrapCode.IntegerDivideByZero);
        }
        return a / b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long I64RemS(long a, long b)
    {
        if (b == 0)
        {
            Trap(TrapCode.IntegerDivideByZero);
        }
        return b == -1 ? 0 : a % b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong I64RemU(ulong a, ulong b)
    {
        if (b == 0)
        {
            Trap(TrapCode.IntegerDivideByZero);
        }
        return a % b;
    }

    // Spec 4.3.3 fmin/fmax: NaN if either operand is NaN (an arithmetic NaN: a + b quiets it),
    // and -0 is smaller than +0. Math.Min/Max implement IEEE 754-2019 minimum/maximum for the rest.
    public static float F32Min(float a, float b) => float.IsNaN(a) || float.IsNaN(b) ? a + b : MathF.Min(a, b);

    public static float F32Max(float a, float b) => float.IsNaN(a) || float.IsNaN(b) ? a + b : MathF.Max(a, b);

    public static double F64Min(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? a + b : Math.Min(a, b);

    public static double F64Max(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? a + b : Math.Max(a, b);

    // Spec 4.3.3 rounding: NaN inputs give an arithmetic NaN (a + a sets the quiet bit, keeping
    // the payload); zeros and infinities are returned unchanged, with their sign.
    public static float F32Ceil(float a) => float.IsNaN(a) ? a + a : MathF.Ceiling(a);

    public static float F32Floor(float a) => float.IsNaN(a) ? a + a : MathF.Floor(a);

    public static float F32Trunc(float a) => float.IsNaN(a) ? a + a : MathF.Truncate(a);

    public static float F32Nearest(float a) => float.IsNaN(a) ? a + a : MathF.Round(a, MidpointRounding.ToEven);

    public static double F64Ceil(double a) => double.IsNaN(a) ? a + a : Math.Ceiling(a);

    public static double F64Floor(double a) => double.IsNaN(a) ? a + a : Math.Floor(a);

    public static double F64Trunc(double a) => double.IsNaN(a) ? a + a : Math.Truncate(a);

    public static double F64Nearest(double a) => double.IsNaN(a) ? a + a : Math.Round(a, MidpointRounding.ToEven);

    // Spec 4.3.3 trunc: NaN traps "invalid conversion"; values outside the target range trap
    // "integer overflow". The bounds are exact in the source type (powers of two), and the lower
    // bound is exclusive where the largest non-representable value is exactly INT_MIN - 1.
    public static int I32TruncF32S(float a)
    {
        if (float.IsNaN(a))
        {
            Trap(TrapCode.InvalidConversionToInteger);
        }
        if (!(a >= -2147483648f && a < 2147483648f))
        {
            Trap(TrapCode.IntegerOverflow);
        }
        return (int)a;
    }

    public static uint I32TruncF32U(float a)
    {
        if (float.IsNaN(a))
        {
            Trap(TrapCode.InvalidConversionToInteger);
        }
        if (!(a > -1f && a < 4294967296f))
        {
            Trap(TrapCode.IntegerOverflow);
        }
        return (uint)a;
    }

    public static int I32TruncF64S(double a)
    {
        if (double.IsNaN(a))
        {
            Trap(TrapCode.InvalidConversionToInteger);
        }
        if (!(a > -2147483649.0 && a < 2147483648.0))
        {
            Trap(TrapCode.IntegerOverflow);
        }
        return (int)a;
    }

    public static uint I32TruncF64U(double a)
    {
        if (double.IsNaN(a))
        {
            Trap(TrapCode.InvalidConversionToInteger);
        }
        if (!(a > -1.0 && a < 4294967296.0))
        {
            Trap(TrapCode.IntegerOverflow);
        }
        return (uint)a;
    }

    public static long I64TruncF32S(float a)
    {
        if (float.IsNaN(a))
        {
            Trap(TrapCode.InvalidConversionToInteger);
        }
        if (!(a >= -9223372036854775808f && a < 9223372036854775808f))
        {
            Trap(TrapCode.IntegerOverflow);
        }
        return (long)a;
    }

    public static ulong I64TruncF32U(float a)
    {
        if (float.IsNaN(a))
        {
            Trap(TrapCode.InvalidConversionToInteger);
        }
        if (!(a > -1f && a < 18446744073709551616f))
        {
            Trap(TrapCode.IntegerOverflow);
        }
        return (ulong)a;
    }

    public static long I64TruncF64S(double a)
    {
        if (double.IsNaN(a))
        {
            Trap(TrapCode.InvalidConversionToInteger);
        }
        if (!(a >= -9223372036854775808.0 && a < 9223372036854775808.0))
        {
            Trap(TrapCode.IntegerOverflow);
        }
        return (long)a;
    }

    public static ulong I64TruncF64U(double a)
    {
        if (double.IsNaN(a))
        {
            Trap(TrapCode.InvalidConversionToInteger);
        }
        if (!(a > -1.0 && a < 18446744073709551616.0))
        {
            Trap(TrapCode.IntegerOverflow);
        }
        return (ulong)a;
    }

    // Spec 4.3.3 trunc_sat: NaN gives 0, out-of-range values clamp to the nearest bound.
    public static int I32TruncSatF32S(float a) =>
        float.IsNaN(a) ? 0 : a < -2147483648f ? int.MinValue : a >= 2147483648f ? int.MaxValue : (int)a;

    public static uint I32TruncSatF32U(float a) =>
        float.IsNaN(a) || a <= -1f ? 0u : a >= 4294967296f ? uint.MaxValue : (uint)a;

    public static int I32TruncSatF64S(double a) =>
        double.IsNaN(a) ? 0 : a <= -2147483649.0 ? int.MinValue : a >= 2147483648.0 ? int.MaxValue : (int)a;

    public static uint I32TruncSatF64U(double a) =>
        double.IsNaN(a) || a <= -1.0 ? 0u : a >= 4294967296.0 ? uint.MaxValue : (uint)a;

    public static long I64TruncSatF32S(float a) =>
        float.IsNaN(a) ? 0 : a < -9223372036854775808f ? long.MinValue : a >= 9223372036854775808f ? long.MaxValue : (long)a;

    public static ulong I64TruncSatF32U(float a) =>
        float.IsNaN(a) || a <= -1f ? 0ul : a >= 18446744073709551616f ? ulong.MaxValue : (ulong)a;

    public static long I64TruncSatF64S(double a) =>
        double.IsNaN(a) ? 0 : a < -9223372036854775808.0 ? long.MinValue : a >= 9223372036854775808.0 ? long.MaxValue : (long)a;

    public static ulong I64TruncSatF64U(double a) =>
        double.IsNaN(a) || a <= -1.0 ? 0ul : a >= 18446744073709551616.0 ? ulong.MaxValue : (ulong)a;

    // Spec 4.3.3 convert_u for i64: correctly rounded (round to nearest, ties to even). Values with
    // the top bit set are halved with the lost bit folded in ("round to odd"), converted as signed,
    // then doubled, which rounds exactly once.
    public static float F32ConvertU64(ulong a)
    {
        if ((long)a >= 0)
        {
            return (long)a;
        }
        ulong half = (a >> 1) | (a & 1);
        return (float)(long)half * 2f;
    }

    public static double F64ConvertU64(ulong a)
    {
        if ((long)a >= 0)
        {
            return (long)a;
        }
        ulong half = (a >> 1) | (a & 1);
        return (double)(long)half * 2.0;
    }
}
