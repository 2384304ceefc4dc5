namespace Kiln.Isolation.Seccomp;

/// <summary>
/// What a seccomp filter answers for a system call: the <c>SECCOMP_RET_*</c> value with its data (an errno for
/// <see cref="Errno"/>). Values follow linux/seccomp.h.
/// </summary>
public readonly record struct SeccompAction
{
    private SeccompAction(uint value) => Value = value;

    /// <summary>The filter's return value (action in the high 16 bits, data in the low 16).</summary>
    public uint Value { get; }

    /// <summary>Run the call.</summary>
    public static SeccompAction Allow { get; } = new(0x7FFF0000);

    /// <summary>Run the call and log it to the kernel's audit log (used to measure a policy without enforcing it).</summary>
    public static SeccompAction Log { get; } = new(0x7FFC0000);

    /// <summary>Kill the whole process at once, as if by an uncatchable SIGSYS.</summary>
    public static SeccompAction KillProcess { get; } = new(0x80000000);

    /// <summary>Do not run the call; it returns -1 with <paramref name="errno"/>.</summary>
    public static SeccompAction Errno(int errno)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(errno);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(errno, 4095);
        return new SeccompAction(0x00050000 | (uint)errno);
    }

    public override string ToString() => (Value & 0xFFFF0000) switch
    {
        0x7FFF0000 => "allow",
        0x7FFC0000 => "log",
        0x80000000 => "kill-process",
        0x00050000 => $"errno {Value & 0xFFFF}",
        _ => $"0x{Value:x8}",
    };
}
