using System.Buffers.Binary;

namespace Kiln.Jit.Tests;

/// <summary>Hand-encoded x86-64 functions (System V calling convention) for running code memory end to end.</summary>
internal static class X64Snippets
{
    /// <summary>long f(long a, long b, long c) => a * b + c: mov rax, rdi; imul rax, rsi; add rax, rdx; ret.</summary>
    public static readonly byte[] MulAdd = [0x48, 0x89, 0xF8, 0x48, 0x0F, 0xAF, 0xC6, 0x48, 0x01, 0xD0, 0xC3];

    /// <summary>int f() => value: mov eax, imm32; ret.</summary>
    public static byte[] ReturnConstant(int value)
    {
        byte[] code = [0xB8, 0, 0, 0, 0, 0xC3];
        BinaryPrimitives.WriteInt32LittleEndian(code.AsSpan(1), value);
        return code;
    }

    /// <summary>Length of <see cref="LoadRipRelative"/>: mov rax, [rip + disp32] (7 bytes); ret.</summary>
    public const int LoadRipRelativeLength = 8;

    /// <summary>
    /// long f() => *(long*)target: mov rax, [rip + disp32]; ret, with the displacement computed from the function's
    /// final executable address, as a linker patches a relocation before the seal.
    /// </summary>
    public static void LoadRipRelative(Span<byte> code, nint functionAddress, nint target)
    {
        long displacement = target - (functionAddress + 7);
        if (displacement is < int.MinValue or > int.MaxValue)
        {
            throw new InvalidOperationException($"target 0x{target:x} out of RIP-relative reach of 0x{functionAddress:x}");
        }
        code[0] = 0x48;
        code[1] = 0x8B;
        code[2] = 0x05;
        BinaryPrimitives.WriteInt32LittleEndian(code[3..], (int)displacement);
        code[7] = 0xC3;
    }
}
