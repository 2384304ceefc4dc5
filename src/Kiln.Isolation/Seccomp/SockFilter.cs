using System.Runtime.InteropServices;

namespace Kiln.Isolation.Seccomp;

/// <summary>One classic-BPF instruction (<c>struct sock_filter</c>: code, jump-if-true, jump-if-false, constant).</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly record struct SockFilter(ushort Code, byte JumpTrue, byte JumpFalse, uint K)
{
    /// <summary>BPF_LD | BPF_W | BPF_ABS: load the 32-bit word at offset K of <c>struct seccomp_data</c>.</summary>
    public const ushort LoadWord = 0x20;

    /// <summary>BPF_JMP | BPF_JEQ | BPF_K.</summary>
    public const ushort JumpIfEqual = 0x15;

    /// <summary>BPF_JMP | BPF_JGE | BPF_K.</summary>
    public const ushort JumpIfGreaterOrEqual = 0x35;

    /// <summary>BPF_ALU | BPF_AND | BPF_K.</summary>
    public const ushort And = 0x54;

    /// <summary>BPF_RET | BPF_K.</summary>
    public const ushort Return = 0x06;

    public override string ToString() => Code switch
    {
        LoadWord => $"ld [{K}]",
        JumpIfEqual => $"jeq #0x{K:x}, +{JumpTrue}, +{JumpFalse}",
        JumpIfGreaterOrEqual => $"jge #0x{K:x}, +{JumpTrue}, +{JumpFalse}",
        And => $"and #0x{K:x}",
        Return => $"ret #0x{K:x8}",
        _ => $"op 0x{Code:x} {JumpTrue} {JumpFalse} 0x{K:x}",
    };
}
