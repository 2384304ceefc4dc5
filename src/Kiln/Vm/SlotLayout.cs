using System.Collections.Immutable;
using Kiln.Wasm.Model;

namespace Kiln.Vm;

/// <summary>
/// The one rule for how Wasm values occupy 8-byte slots, wherever values sit in a row of slots:
/// interpreter frames (parameters, locals, operand-stack positions), the argument/result area of a
/// call (from the host, between tiers, to a host function), and therefore every offset computed
/// over such a row. Every value takes one slot except v128, which takes two consecutive slots,
/// low 64 bits first (lanes in little-endian order, the same bytes as linear memory holds).
/// i32 and f32 use the low 32 bits of their slot; a reference is a pointer-sized handle.
/// A value's position in a row is the sum of the slot counts of the values before it, so a row
/// of types without v128 is laid out exactly as one slot per value.
/// Global cells are 16 bytes (<see cref="VmOffsets.GlobalCellSize"/>) and hold a v128 the same way.
/// </summary>
internal static class SlotLayout
{
    /// <summary>Slots a v128 value takes.</summary>
    public const int V128Slots = 2;

    /// <summary>Slots one value of <paramref name="type"/> takes: 2 for v128, else 1.</summary>
    public static int SlotCount(ValType type) => type == ValType.V128 ? V128Slots : 1;

    /// <summary>Slots a row of values of <paramref name="types"/> takes.</summary>
    public static int SlotCount(ReadOnlySpan<ValType> types)
    {
        int n = 0;
        foreach (ValType t in types)
        {
            n += SlotCount(t);
        }
        return n;
    }

    public static int SlotCount(ImmutableArray<ValType> types) => SlotCount(types.AsSpan());

    /// <summary>Slots of the argument/result area of a call with <paramref name="type"/>: results replace the arguments.</summary>
    public static int CallAreaSlots(FuncType type) => Math.Max(SlotCount(type.Params), SlotCount(type.Results));

    /// <summary>The slot offset of value <paramref name="index"/> in a row of <paramref name="types"/>.</summary>
    public static int SlotOffset(ReadOnlySpan<ValType> types, int index) => SlotCount(types[..index]);
}
