using System.Runtime.CompilerServices;
using Kiln.Wasm.Model;

namespace Kiln;

/// <summary>
/// Converts between a C# type and an interpreter slot for the typed API. The <c>typeof(T)</c> tests
/// are constants for the JIT, so each instantiation compiles to one move, with no boxing.
/// Supported: int, uint, long, ulong, float, double (numbers), <see cref="Func"/> (funcref),
/// object (externref).
/// </summary>
internal static class SlotConverter<T>
{
    /// <summary>The Wasm type of <typeparamref name="T"/>, or 0 when it has none (checked by <see cref="Instance"/> before use).</summary>
    public static ValType Type { get; } = GetValType() ?? 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ToSlot(T value, Store store)
    {
        if (typeof(T) == typeof(int))
        {
            return (uint)Unsafe.As<T, int>(ref value);
        }
        if (typeof(T) == typeof(uint))
        {
            return Unsafe.As<T, uint>(ref value);
        }
        if (typeof(T) == typeof(long))
        {
            return (ulong)Unsafe.As<T, long>(ref value);
        }
        if (typeof(T) == typeof(ulong))
        {
            return Unsafe.As<T, ulong>(ref value);
        }
        if (typeof(T) == typeof(float))
        {
            return BitConverter.SingleToUInt32Bits(Unsafe.As<T, float>(ref value));
        }
        if (typeof(T) == typeof(double))
        {
            return BitConverter.DoubleToUInt64Bits(Unsafe.As<T, double>(ref value));
        }
        if (typeof(T) == typeof(Func))
        {
            return store.FuncRefToSlot(Unsafe.As<T, Func?>(ref value));
        }
        return store.ExternRefToSlot(value);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T FromSlot(ulong slot, Store store)
    {
        if (typeof(T) == typeof(int))
        {
            int v = (int)slot;
            return Unsafe.As<int, T>(ref v);
        }
        if (typeof(T) == typeof(uint))
        {
            uint v = (uint)slot;
            return Unsafe.As<uint, T>(ref v);
        }
        if (typeof(T) == typeof(long) || typeof(T) == typeof(ulong))
        {
            return Unsafe.As<ulong, T>(ref slot);
        }
        if (typeof(T) == typeof(float))
        {
            float v = BitConverter.UInt32BitsToSingle((uint)slot);
            return Unsafe.As<float, T>(ref v);
        }
        if (typeof(T) == typeof(double))
        {
            double v = BitConverter.UInt64BitsToDouble(slot);
            return Unsafe.As<double, T>(ref v);
        }
        if (typeof(T) == typeof(Func))
        {
            Func? f = store.FuncRefFromSlot(slot);
            return Unsafe.As<Func?, T>(ref f);
        }
        return (T)store.ExternRefFromSlot(slot)!;
    }

    private static ValType? GetValType()
    {
        if (typeof(T) == typeof(int) || typeof(T) == typeof(uint))
        {
            return ValType.I32;
        }
        if (typeof(T) == typeof(long) || typeof(T) == typeof(ulong))
        {
            return ValType.I64;
        }
        if (typeof(T) == typeof(float))
        {
            return ValType.F32;
        }
        if (typeof(T) == typeof(double))
        {
            return ValType.F64;
        }
        if (typeof(T) == typeof(Func))
        {
            return ValType.FuncRef;
        }
        if (typeof(T) == typeof(object))
        {
            return ValType.ExternRef;
        }
        return null;
    }
}
