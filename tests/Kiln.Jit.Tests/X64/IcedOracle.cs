using Iced.Intel;
using Kiln.Jit.X64;

namespace Kiln.Jit.Tests.X64;

/// <summary>Iced as the reference decoder: bytes to instructions, and Kiln operands to Iced registers.</summary>
internal static class IcedOracle
{
    /// <summary>Decodes every instruction of <paramref name="code"/> (starting at <paramref name="ip"/>).</summary>
    public static List<Instruction> DecodeAll(ReadOnlySpan<byte> code, ulong ip)
    {
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(code.ToArray()), ip);
        var result = new List<Instruction>();
        ulong end = ip + (ulong)code.Length;
        while (decoder.IP < end)
        {
            decoder.Decode(out Instruction instruction);
            Assert.False(instruction.IsInvalid, $"invalid instruction at 0x{instruction.IP:x}");
            result.Add(instruction);
        }
        return result;
    }

    /// <summary>The single instruction at the start of <paramref name="code"/>.</summary>
    public static Instruction DecodeOne(ReadOnlySpan<byte> code, ulong ip)
    {
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(code.ToArray()), ip);
        decoder.Decode(out Instruction instruction);
        return instruction;
    }

    public static Register Reg(OperandSize size, Gpr gpr)
    {
        int i = gpr.Index;
        return size switch
        {
            // With any REX prefix, byte registers 4..7 are spl/bpl/sil/dil, never ah/ch/dh/bh.
            OperandSize.S8 => i < 4 ? Register.AL + i : i < 8 ? Register.SPL + (i - 4) : Register.R8L + (i - 8),
            OperandSize.S16 => Register.AX + i,
            OperandSize.S32 => Register.EAX + i,
            _ => Register.RAX + i,
        };
    }

    public static Register Reg(Xmm xmm) => Register.XMM0 + xmm.Index;

    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes);
}
