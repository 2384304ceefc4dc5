using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Kiln.Jit.Linking;

namespace Kiln.Jit.X64;

// The encoding core: legacy prefixes, REX, opcode escape, ModRM, SIB and displacement (Intel SDM
// Vol. 2, chapter 2), and the VEX prefix (2.3). An instruction form is described by (prefixes, REX.W,
// opcode with its map) and two operand numbers; the same description drives a VEX prefix (pp =
// mandatory prefix, mmmmm = map, W = REX.W, plus the extra source register in vvvv), which is why the
// map is kept in the opcode value rather than emitted by callers.
public sealed partial class Assembler
{
    /// <summary>Prefix flag: the 0x66 operand-size prefix (16-bit integer operations).</summary>
    private const int OperandSizePrefix = 0x100;

    /// <summary>REX.W: 64-bit operand size.</summary>
    private const int RexW = 8;

    /// <summary>
    /// Prefix flag for VEX forms: VEX.L = 1, 256-bit vectors. Every form Kiln has today is 128-bit
    /// (there is no ymm operand type), so nothing sets it yet; it lives beside the prefixes so that a
    /// 256-bit form needs no change to the core.
    /// </summary>
    private const int VexL256 = 0x200;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SizePrefix(OperandSize size) => size == OperandSize.S16 ? OperandSizePrefix : 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SizeW(OperandSize size) => size == OperandSize.S64 ? RexW : 0;

    /// <summary>spl, bpl, sil and dil exist only with a REX prefix; without one, 4..7 mean ah, ch, dh, bh.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsRexByteRegister(int index) => (uint)(index - 4) < 4;

    /// <summary>An instruction with a register in ModRM.reg and a register in ModRM.rm.</summary>
    private void EmitRR(int prefixes, int rexW, int opcode, int reg, int rm, bool forceRex = false)
    {
        Reserve();
        // The position lives in a local while bytes are written, so each byte costs one store.
        ref byte code = ref MemoryMarshal.GetArrayDataReference(_code);
        int p = _position;
        p = WritePrefixes(ref code, p, prefixes);
        int rex = rexW | ((reg & 8) >> 1) | ((rm & 8) >> 3);
        if (rex != 0 || forceRex)
        {
            Unsafe.Add(ref code, p++) = (byte)(0x40 | rex);
        }
        p = WriteOpcode(ref code, p, opcode);
        Unsafe.Add(ref code, p++) = (byte)(0xC0 | ((reg & 7) << 3) | (rm & 7));
        _position = p;
    }

    /// <summary>
    /// An instruction with a register (or opcode extension) in ModRM.reg and memory in ModRM.rm;
    /// <paramref name="trailingBytes"/> counts the immediate after the displacement, which a
    /// RIP-relative displacement must skip because it is relative to the end of the instruction.
    /// </summary>
    private void EmitRM(int prefixes, int rexW, int opcode, int reg, in Mem mem, int trailingBytes = 0, bool forceRex = false)
    {
        Reserve();
        ref byte code = ref MemoryMarshal.GetArrayDataReference(_code);
        int p = _position;
        p = WritePrefixes(ref code, p, prefixes);
        int rex = rexW | ((reg & 8) >> 1);
        if (mem.IndexIndex >= 0)
        {
            rex |= (mem.IndexIndex & 8) >> 2;
        }
        if (mem.BaseIndex >= 0)
        {
            rex |= (mem.BaseIndex & 8) >> 3;
        }
        if (rex != 0 || forceRex)
        {
            Unsafe.Add(ref code, p++) = (byte)(0x40 | rex);
        }
        p = WriteOpcode(ref code, p, opcode);
        _position = WriteMemoryOperand(ref code, p, reg & 7, mem, trailingBytes);
    }

    /// <summary>
    /// A VEX-encoded instruction with registers in ModRM.reg, VEX.vvvv and ModRM.rm. A form without a
    /// vvvv operand passes 0, which encodes as the required 1111b.
    /// </summary>
    private void EmitVexRR(int prefixes, int vexW, int opcode, int reg, int vvvv, int rm)
    {
        Reserve();
        ref byte code = ref MemoryMarshal.GetArrayDataReference(_code);
        int p = WriteVexPrefix(ref code, _position, prefixes, vexW, opcode, reg, vvvv, 0, rm & 8);
        Unsafe.Add(ref code, p++) = (byte)(0xC0 | ((reg & 7) << 3) | (rm & 7));
        _position = p;
    }

    /// <summary>A VEX-encoded instruction with memory in ModRM.rm; see <see cref="EmitRM"/> for <paramref name="trailingBytes"/>.</summary>
    private void EmitVexRM(int prefixes, int vexW, int opcode, int reg, int vvvv, in Mem mem, int trailingBytes = 0)
    {
        Reserve();
        ref byte code = ref MemoryMarshal.GetArrayDataReference(_code);
        int x = mem.IndexIndex >= 0 ? mem.IndexIndex & 8 : 0;
        int b = mem.BaseIndex >= 0 ? mem.BaseIndex & 8 : 0;
        int p = WriteVexPrefix(ref code, _position, prefixes, vexW, opcode, reg, vvvv, x, b);
        _position = WriteMemoryOperand(ref code, p, reg & 7, mem, trailingBytes);
    }

    /// <summary>
    /// The VEX prefix and the opcode byte (Intel SDM Vol. 2, 2.3.5). R, X, B and vvvv are stored
    /// inverted. The two-byte form (C5) implies map 0F, W = 0 and X = B = 0, and is used whenever those
    /// hold because it is one byte shorter; anything else takes the three-byte form (C4).
    /// </summary>
    private static int WriteVexPrefix(ref byte code, int p, int prefixes, int vexW, int opcode, int reg, int vvvv, int x, int b)
    {
        Debug.Assert(opcode > 0xFF, "VEX has no one-byte opcode map");
        Debug.Assert((prefixes & OperandSizePrefix) == 0, "VEX replaces the operand-size prefix with pp");
        int pp = (prefixes & 0xFF) switch
        {
            0x66 => 1,
            0xF3 => 2,
            0xF2 => 3,
            _ => 0,
        };
        int vlpp = ((~vvvv & 15) << 3) | ((prefixes & VexL256) != 0 ? 4 : 0) | pp;
        int notR = (reg & 8) == 0 ? 0x80 : 0;
        if (opcode <= 0xFFFF && vexW == 0 && x == 0 && b == 0)
        {
            Unsafe.Add(ref code, p++) = 0xC5;
            Unsafe.Add(ref code, p++) = (byte)(notR | vlpp);
        }
        else
        {
            // mmmmm: 1 = 0F, 2 = 0F38, 3 = 0F3A.
            int map = opcode <= 0xFFFF ? 1 : (opcode >> 8) == 0x0F38 ? 2 : 3;
            Unsafe.Add(ref code, p++) = 0xC4;
            Unsafe.Add(ref code, p++) = (byte)(notR | (x == 0 ? 0x40 : 0) | (b == 0 ? 0x20 : 0) | map);
            Unsafe.Add(ref code, p++) = (byte)((vexW != 0 ? 0x80 : 0) | vlpp);
        }
        Unsafe.Add(ref code, p++) = (byte)opcode;
        return p;
    }

    /// <summary>
    /// Legacy prefixes: the 0x66 operand-size prefix first, then the mandatory prefix (0x66, 0xF2,
    /// 0xF3), which must be the last before REX and the opcode.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WritePrefixes(ref byte code, int p, int prefixes)
    {
        if (prefixes != 0)
        {
            if ((prefixes & OperandSizePrefix) != 0)
            {
                Unsafe.Add(ref code, p++) = 0x66;
            }
            if ((prefixes & 0xFF) != 0)
            {
                Unsafe.Add(ref code, p++) = (byte)prefixes;
            }
        }
        return p;
    }

    /// <summary>Opcode with its map: 0xXX, 0x0FXX, 0x0F38XX or 0x0F3AXX.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int WriteOpcode(ref byte code, int p, int opcode)
    {
        if (opcode > 0xFF)
        {
            Unsafe.Add(ref code, p++) = 0x0F;
            if (opcode > 0xFFFF)
            {
                Unsafe.Add(ref code, p++) = (byte)(opcode >> 8);
            }
        }
        Unsafe.Add(ref code, p++) = (byte)opcode;
        return p;
    }

    /// <summary>ModRM (+ SIB) (+ displacement) for a memory operand (Intel SDM Vol. 2, tables 2-2 and 2-3).</summary>
    private int WriteMemoryOperand(ref byte code, int p, int reg3, in Mem mem, int trailingBytes)
    {
        reg3 <<= 3;
        int disp = mem.Displacement;
        switch (mem.KindValue)
        {
            case MemKind.BaseIndex:
            {
                int base3 = mem.BaseIndex & 7;
                // rm=101 with mod=00 means RIP-relative (or no base in a SIB), so rbp and r13 as a base
                // need an explicit zero disp8.
                int mod = disp == 0 && base3 != 5 ? 0x00 : (sbyte)disp == disp ? 0x40 : 0x80;
                if (mem.IndexIndex >= 0)
                {
                    Unsafe.Add(ref code, p++) = (byte)(mod | reg3 | 4);
                    Unsafe.Add(ref code, p++) = (byte)((mem.ScaleLog2 << 6) | ((mem.IndexIndex & 7) << 3) | base3);
                }
                else if (base3 == 4)
                {
                    // rm=100 always announces a SIB, so rsp and r12 as a base need one with no index.
                    Unsafe.Add(ref code, p++) = (byte)(mod | reg3 | 4);
                    Unsafe.Add(ref code, p++) = 0x24;
                }
                else
                {
                    Unsafe.Add(ref code, p++) = (byte)(mod | reg3 | base3);
                }
                if (mod == 0x40)
                {
                    Unsafe.Add(ref code, p++) = (byte)disp;
                }
                else if (mod == 0x80)
                {
                    Unsafe.WriteUnaligned(ref Unsafe.Add(ref code, p), disp);
                    p += 4;
                }
                return p;
            }
            case MemKind.NoBase:
                // SIB base=101 with mod=00: no base, disp32; index=100 (without REX.X): no index.
                Unsafe.Add(ref code, p++) = (byte)(reg3 | 4);
                Unsafe.Add(ref code, p++) = (byte)(mem.IndexIndex >= 0 ? (mem.ScaleLog2 << 6) | ((mem.IndexIndex & 7) << 3) | 5 : 0x25);
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref code, p), disp);
                return p + 4;
            case MemKind.RipLabel:
                Unsafe.Add(ref code, p++) = (byte)(reg3 | 5);
                AddFixup(p, mem.Target, disp - 4 - trailingBytes, 4);
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref code, p), 0);
                return p + 4;
            default:
                Unsafe.Add(ref code, p++) = (byte)(reg3 | 5);
                AddRelocation(RelocationSection.Code, p, RelocationKind.Rel32, RelocationTarget.ReadOnlyData,
                    (long)mem.Target + disp - 4 - trailingBytes);
                Unsafe.WriteUnaligned(ref Unsafe.Add(ref code, p), 0);
                return p + 4;
        }
    }

    /// <summary>An instruction whose register is added to the opcode byte (push, pop, bswap, mov r, imm).</summary>
    private void EmitOpcodeReg(int prefixes, int rexW, int opcode, int reg, bool forceRex = false)
    {
        Reserve();
        _position = WritePrefixes(ref MemoryMarshal.GetArrayDataReference(_code), _position, prefixes);
        int rex = rexW | ((reg & 8) >> 3);
        if (rex != 0 || forceRex)
        {
            Put(0x40 | rex);
        }
        if (opcode > 0xFF)
        {
            Put(0x0F);
        }
        Put((opcode & 0xFF) + (reg & 7));
    }

    /// <summary>An immediate of <paramref name="size"/> bytes (1, 2 or 4) after the operands.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PutImmediate(int value, int size)
    {
        if (size == 1)
        {
            Put(value);
        }
        else if (size == 2)
        {
            Put16(value);
        }
        else
        {
            Put32(value);
        }
    }

    /// <summary>Bytes of an immediate that is as wide as the operand (imm32 at most: 64-bit operations sign-extend).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FullImmediateSize(OperandSize size) => size switch
    {
        OperandSize.S8 => 1,
        OperandSize.S16 => 2,
        _ => 4,
    };

    /// <summary>Rejects an immediate that the operand width cannot hold, instead of truncating it silently.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckImmediate(OperandSize size, int value)
    {
        if ((size == OperandSize.S8 && value is < sbyte.MinValue or > byte.MaxValue) ||
            (size == OperandSize.S16 && value is < short.MinValue or > ushort.MaxValue))
        {
            ThrowImmediateRange(size, value);
        }
    }

    private static void ThrowImmediateRange(OperandSize size, int value) =>
        throw new AssemblerException($"Immediate {value} does not fit an operand of {(int)size * 8} bits.");

    private static void ThrowSize(string mnemonic, OperandSize size) =>
        throw new AssemblerException($"{mnemonic} has no {(int)size * 8}-bit form.");

    private static void CheckSize16To64(string mnemonic, OperandSize size)
    {
        if (size == OperandSize.S8)
        {
            ThrowSize(mnemonic, size);
        }
    }

    private static void CheckSize32Or64(string mnemonic, OperandSize size)
    {
        if (size is not (OperandSize.S32 or OperandSize.S64))
        {
            ThrowSize(mnemonic, size);
        }
    }

    private void Require(CpuFeature feature, string mnemonic)
    {
        if (!_features.Has(feature))
        {
            throw new AssemblerException($"{mnemonic} needs {feature}, which the target CPU ({_features}) lacks.");
        }
    }
}
