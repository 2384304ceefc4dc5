namespace Kiln.Isolation.Seccomp;

/// <summary>
/// A test of one system-call argument: <c>(argument &amp; Mask) == Value</c> over all 64 bits. The filter compares the
/// low and high 32-bit words separately (classic BPF is 32-bit); a mask whose high word is zero tests the low word only,
/// which is right for <c>int</c> arguments (file descriptors, flags, pids), whose upper bits the kernel ignores.
/// </summary>
public readonly record struct ArgumentTest(int Index, ulong Mask, ulong Value)
{
    /// <summary>The argument's low 32 bits, as an <c>int</c>, equal <paramref name="value"/>.</summary>
    public static ArgumentTest IntEquals(int index, int value) => new(index, 0xFFFF_FFFF, (uint)value);

    /// <summary>Every bit of <paramref name="bits"/> is clear in the argument's low 32 bits.</summary>
    public static ArgumentTest BitsClear(int index, uint bits) => new(index, bits, 0);

    /// <summary>Every bit of <paramref name="bits"/> is set in the argument's low 32 bits.</summary>
    public static ArgumentTest BitsSet(int index, uint bits) => new(index, bits, bits);

    /// <summary>The whole 64-bit argument is zero (a null pointer).</summary>
    public static ArgumentTest IsZero(int index) => new(index, ulong.MaxValue, 0);
}
