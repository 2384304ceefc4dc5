using Kiln.Wasm.Model;
using Kiln.Wasm.Text;

namespace Kiln.Cli.Wast;

/// <summary>
/// Compares a returned <see cref="Value"/> with an <c>assert_return</c> expectation: numbers bit for
/// bit, NaN classes per spec 4.3.3 (canonical: only the top payload bit; arithmetic: top payload bit
/// set), v128 lane by lane, references by null-ness and identity.
/// </summary>
internal static class ResultMatcher
{
    public static bool Matches(Value actual, WastExpected expected, Func<ulong, object> externRef)
    {
        if (actual.Type != expected.Type)
        {
            return false;
        }
        switch (expected.Kind)
        {
            case WastExpectedKind.Nan:
                return expected.Type == ValType.F32
                    ? IsNan32(actual.AsF32Bits(), expected.Nan)
                    : IsNan64(actual.AsF64Bits(), expected.Nan);
            case WastExpectedKind.Lanes:
                return LanesMatch(actual.AsV128(), expected);
            case WastExpectedKind.AnyExternRef:
                return !actual.IsNull;
            case WastExpectedKind.AnyFuncRef:
                return !actual.IsNull;
            default:
                return ValueMatches(actual, expected.Value, externRef);
        }
    }

    private static bool ValueMatches(Value actual, WastValue expected, Func<ulong, object> externRef) => expected.Type switch
    {
        ValType.I32 => (uint)actual.AsI32() == (uint)expected.Bits,
        ValType.I64 => (ulong)actual.AsI64() == expected.Bits,
        ValType.F32 => actual.AsF32Bits() == (uint)expected.Bits,
        ValType.F64 => actual.AsF64Bits() == expected.Bits,
        ValType.V128 => actual.AsV128().Low == expected.Bits && actual.AsV128().High == expected.High,
        ValType.FuncRef => expected.IsNull ? actual.IsNull : !actual.IsNull,
        ValType.ExternRef => expected.IsNull ? actual.IsNull : ReferenceEquals(actual.AsExternRef(), externRef(expected.Bits)),
        _ => false,
    };

    private static bool LanesMatch(Wasm.Binary.V128 actual, WastExpected expected)
    {
        int width = expected.Shape.LaneBytes() * 8;
        for (int i = 0; i < expected.Lanes.Count; i++)
        {
            ulong bits = Lane(actual, i, width);
            WastLane lane = expected.Lanes[i];
            bool ok = lane.Nan == WastNanPattern.None
                ? bits == (lane.Bits & Mask(width))
                : width == 32 ? IsNan32((uint)bits, lane.Nan) : IsNan64(bits, lane.Nan);
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    private static ulong Lane(Wasm.Binary.V128 v, int index, int width)
    {
        int bit = index * width;
        ulong half = bit < 64 ? v.Low : v.High;
        return (half >> (bit % 64)) & Mask(width);
    }

    private static ulong Mask(int width) => width == 64 ? ulong.MaxValue : (1UL << width) - 1;

    private static bool IsNan32(uint bits, WastNanPattern pattern) => pattern == WastNanPattern.Canonical
        ? (bits & 0x7FFF_FFFF) == 0x7FC0_0000
        : (bits & 0x7FC0_0000) == 0x7FC0_0000;

    private static bool IsNan64(ulong bits, WastNanPattern pattern) => pattern == WastNanPattern.Canonical
        ? (bits & 0x7FFF_FFFF_FFFF_FFFF) == 0x7FF8_0000_0000_0000
        : (bits & 0x7FF8_0000_0000_0000) == 0x7FF8_0000_0000_0000;
}
