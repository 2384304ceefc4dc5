namespace Kiln.Jit.X64;

// Integer instructions. Opcodes from Intel SDM Vol. 2; the 8-bit form of a classic ALU/mov opcode is
// the opcode with bit 0 clear, so `opcode | (size == S8 ? 0 : 1)` picks the width.
public sealed partial class Assembler
{
    // ModRM.reg extension of the ALU group 0x80/0x81/0x83, equal to (classic opcode >> 3).
    private const int AluAdd = 0, AluOr = 1, AluAdc = 2, AluSbb = 3, AluAnd = 4, AluSub = 5, AluXor = 6, AluCmp = 7;

    // ModRM.reg extension of the shift group 0xC0/0xC1/0xD0..0xD3.
    private const int ShiftRol = 0, ShiftRor = 1, ShiftShl = 4, ShiftShr = 5, ShiftSar = 7;

    // ModRM.reg extension of the unary group 0xF6/0xF7.
    private const int UnaryNot = 2, UnaryNeg = 3, UnaryMul = 4, UnaryImul = 5, UnaryDiv = 6, UnaryIdiv = 7;

    private static int Wide(OperandSize size) => size == OperandSize.S8 ? 0 : 1;

    /// <summary>
    /// True when a sign-extended imm8 yields the same operand value: for 16-bit operations 0xFFFF and
    /// -1 are the same value, so both take the short form.
    /// </summary>
    private static bool FitsImm8(OperandSize size, int imm) =>
        size == OperandSize.S16 ? (sbyte)imm == (short)imm : (sbyte)imm == imm;

    private static bool ForceRex8(OperandSize size, int a, int b) =>
        size == OperandSize.S8 && (IsRexByteRegister(a) || IsRexByteRegister(b));

    private static bool ForceRex8(OperandSize size, int a) => size == OperandSize.S8 && IsRexByteRegister(a);

    // ---- mov ----

    /// <summary>mov dst, src.</summary>
    public void Mov(OperandSize size, Gpr dst, Gpr src) =>
        EmitRR(SizePrefix(size), SizeW(size), 0x88 | Wide(size), src.Index, dst.Index, ForceRex8(size, src.Index, dst.Index));

    /// <summary>mov dst, [src] (load).</summary>
    public void Mov(OperandSize size, Gpr dst, Mem src) =>
        EmitRM(SizePrefix(size), SizeW(size), 0x8A | Wide(size), dst.Index, src, 0, ForceRex8(size, dst.Index));

    /// <summary>mov [dst], src (store).</summary>
    public void Mov(OperandSize size, Mem dst, Gpr src) =>
        EmitRM(SizePrefix(size), SizeW(size), 0x88 | Wide(size), src.Index, dst, 0, ForceRex8(size, src.Index));

    /// <summary>
    /// mov dst, imm: the immediate as wide as the operand, except 64-bit, which takes an imm32
    /// sign-extended (REX.W C7 /0). See <see cref="MovImm"/> for the shortest form of any 64-bit value.
    /// </summary>
    public void Mov(OperandSize size, Gpr dst, int imm)
    {
        CheckImmediate(size, imm);
        if (size == OperandSize.S64)
        {
            EmitRR(0, RexW, 0xC7, 0, dst.Index);
            Put32(imm);
            return;
        }
        EmitOpcodeReg(SizePrefix(size), 0, size == OperandSize.S8 ? 0xB0 : 0xB8, dst.Index, ForceRex8(size, dst.Index));
        PutImmediate(imm, FullImmediateSize(size));
    }

    /// <summary>mov [dst], imm (store of an immediate; 64-bit stores sign-extend an imm32).</summary>
    public void Mov(OperandSize size, Mem dst, int imm)
    {
        CheckImmediate(size, imm);
        int immSize = FullImmediateSize(size);
        EmitRM(SizePrefix(size), SizeW(size), 0xC6 | Wide(size), 0, dst, immSize);
        PutImmediate(imm, immSize);
    }

    /// <summary>
    /// Loads a 64-bit value in the fewest bytes: mov r32, imm32 (zero-extends) when it fits unsigned
    /// 32 bits, mov r64, simm32 when it fits signed, movabs otherwise. Flags are preserved.
    /// </summary>
    public void MovImm(Gpr dst, long value)
    {
        if ((ulong)value <= uint.MaxValue)
        {
            EmitOpcodeReg(0, 0, 0xB8, dst.Index);
            Put32((int)value);
        }
        else if (value == (int)value)
        {
            Mov(OperandSize.S64, dst, (int)value);
        }
        else
        {
            MovAbs(dst, value);
        }
    }

    /// <summary>movabs dst, imm64: always 10 bytes (REX.W B8+r io), e.g. to patch the value later.</summary>
    public void MovAbs(Gpr dst, long value)
    {
        EmitOpcodeReg(0, RexW, 0xB8, dst.Index);
        Put64(value);
    }

    /// <summary>movzx dst, src: zero-extends an 8- or 16-bit source (a 32-bit source: use a 32-bit mov).</summary>
    public void Movzx(OperandSize dstSize, Gpr dst, OperandSize srcSize, Gpr src)
    {
        int opcode = ExtendOpcode("movzx", dstSize, srcSize, 0x0FB6);
        EmitRR(SizePrefix(dstSize), SizeW(dstSize), opcode, dst.Index, src.Index, ForceRex8(srcSize, src.Index));
    }

    /// <summary>movzx dst, [src].</summary>
    public void Movzx(OperandSize dstSize, Gpr dst, OperandSize srcSize, Mem src) =>
        EmitRM(SizePrefix(dstSize), SizeW(dstSize), ExtendOpcode("movzx", dstSize, srcSize, 0x0FB6), dst.Index, src);

    /// <summary>movsx dst, src: sign-extends an 8- or 16-bit source; a 32-bit source to 64 bits is movsxd.</summary>
    public void Movsx(OperandSize dstSize, Gpr dst, OperandSize srcSize, Gpr src)
    {
        if (srcSize == OperandSize.S32)
        {
            Movsxd(dst, src);
            return;
        }
        int opcode = ExtendOpcode("movsx", dstSize, srcSize, 0x0FBE);
        EmitRR(SizePrefix(dstSize), SizeW(dstSize), opcode, dst.Index, src.Index, ForceRex8(srcSize, src.Index));
    }

    /// <summary>movsx dst, [src].</summary>
    public void Movsx(OperandSize dstSize, Gpr dst, OperandSize srcSize, Mem src)
    {
        if (srcSize == OperandSize.S32)
        {
            Movsxd(dst, src);
            return;
        }
        EmitRM(SizePrefix(dstSize), SizeW(dstSize), ExtendOpcode("movsx", dstSize, srcSize, 0x0FBE), dst.Index, src);
    }

    /// <summary>movsxd dst64, src32.</summary>
    public void Movsxd(Gpr dst, Gpr src) => EmitRR(0, RexW, 0x63, dst.Index, src.Index);

    /// <summary>movsxd dst64, dword [src].</summary>
    public void Movsxd(Gpr dst, Mem src) => EmitRM(0, RexW, 0x63, dst.Index, src);

    private static int ExtendOpcode(string mnemonic, OperandSize dstSize, OperandSize srcSize, int baseOpcode)
    {
        if (srcSize is not (OperandSize.S8 or OperandSize.S16) || dstSize <= srcSize)
        {
            throw new AssemblerException($"{mnemonic} cannot extend {(int)srcSize * 8} bits to {(int)dstSize * 8} bits.");
        }
        return srcSize == OperandSize.S8 ? baseOpcode : baseOpcode + 1;
    }

    /// <summary>lea dst, [address].</summary>
    public void Lea(OperandSize size, Gpr dst, Mem address)
    {
        CheckSize16To64("lea", size);
        EmitRM(SizePrefix(size), SizeW(size), 0x8D, dst.Index, address);
    }

    // ---- ALU: add, or, adc, sbb, and, sub, xor, cmp ----

    public void Add(OperandSize size, Gpr dst, Gpr src) => AluRR(AluAdd, size, dst, src);
    public void Add(OperandSize size, Gpr dst, Mem src) => AluRM(AluAdd, size, dst, src);
    public void Add(OperandSize size, Mem dst, Gpr src) => AluMR(AluAdd, size, dst, src);
    public void Add(OperandSize size, Gpr dst, int imm) => AluRI(AluAdd, size, dst, imm);
    public void Add(OperandSize size, Mem dst, int imm) => AluMI(AluAdd, size, dst, imm);

    public void Or(OperandSize size, Gpr dst, Gpr src) => AluRR(AluOr, size, dst, src);
    public void Or(OperandSize size, Gpr dst, Mem src) => AluRM(AluOr, size, dst, src);
    public void Or(OperandSize size, Mem dst, Gpr src) => AluMR(AluOr, size, dst, src);
    public void Or(OperandSize size, Gpr dst, int imm) => AluRI(AluOr, size, dst, imm);
    public void Or(OperandSize size, Mem dst, int imm) => AluMI(AluOr, size, dst, imm);

    public void Adc(OperandSize size, Gpr dst, Gpr src) => AluRR(AluAdc, size, dst, src);
    public void Adc(OperandSize size, Gpr dst, Mem src) => AluRM(AluAdc, size, dst, src);
    public void Adc(OperandSize size, Mem dst, Gpr src) => AluMR(AluAdc, size, dst, src);
    public void Adc(OperandSize size, Gpr dst, int imm) => AluRI(AluAdc, size, dst, imm);
    public void Adc(OperandSize size, Mem dst, int imm) => AluMI(AluAdc, size, dst, imm);

    public void Sbb(OperandSize size, Gpr dst, Gpr src) => AluRR(AluSbb, size, dst, src);
    public void Sbb(OperandSize size, Gpr dst, Mem src) => AluRM(AluSbb, size, dst, src);
    public void Sbb(OperandSize size, Mem dst, Gpr src) => AluMR(AluSbb, size, dst, src);
    public void Sbb(OperandSize size, Gpr dst, int imm) => AluRI(AluSbb, size, dst, imm);
    public void Sbb(OperandSize size, Mem dst, int imm) => AluMI(AluSbb, size, dst, imm);

    public void And(OperandSize size, Gpr dst, Gpr src) => AluRR(AluAnd, size, dst, src);
    public void And(OperandSize size, Gpr dst, Mem src) => AluRM(AluAnd, size, dst, src);
    public void And(OperandSize size, Mem dst, Gpr src) => AluMR(AluAnd, size, dst, src);
    public void And(OperandSize size, Gpr dst, int imm) => AluRI(AluAnd, size, dst, imm);
    public void And(OperandSize size, Mem dst, int imm) => AluMI(AluAnd, size, dst, imm);

    public void Sub(OperandSize size, Gpr dst, Gpr src) => AluRR(AluSub, size, dst, src);
    public void Sub(OperandSize size, Gpr dst, Mem src) => AluRM(AluSub, size, dst, src);
    public void Sub(OperandSize size, Mem dst, Gpr src) => AluMR(AluSub, size, dst, src);
    public void Sub(OperandSize size, Gpr dst, int imm) => AluRI(AluSub, size, dst, imm);
    public void Sub(OperandSize size, Mem dst, int imm) => AluMI(AluSub, size, dst, imm);

    public void Xor(OperandSize size, Gpr dst, Gpr src) => AluRR(AluXor, size, dst, src);
    public void Xor(OperandSize size, Gpr dst, Mem src) => AluRM(AluXor, size, dst, src);
    public void Xor(OperandSize size, Mem dst, Gpr src) => AluMR(AluXor, size, dst, src);
    public void Xor(OperandSize size, Gpr dst, int imm) => AluRI(AluXor, size, dst, imm);
    public void Xor(OperandSize size, Mem dst, int imm) => AluMI(AluXor, size, dst, imm);

    public void Cmp(OperandSize size, Gpr dst, Gpr src) => AluRR(AluCmp, size, dst, src);
    public void Cmp(OperandSize size, Gpr dst, Mem src) => AluRM(AluCmp, size, dst, src);
    public void Cmp(OperandSize size, Mem dst, Gpr src) => AluMR(AluCmp, size, dst, src);
    public void Cmp(OperandSize size, Gpr dst, int imm) => AluRI(AluCmp, size, dst, imm);
    public void Cmp(OperandSize size, Mem dst, int imm) => AluMI(AluCmp, size, dst, imm);

    private void AluRR(int op, OperandSize size, Gpr dst, Gpr src) =>
        EmitRR(SizePrefix(size), SizeW(size), (op << 3) | Wide(size), src.Index, dst.Index, ForceRex8(size, src.Index, dst.Index));

    private void AluRM(int op, OperandSize size, Gpr dst, Mem src) =>
        EmitRM(SizePrefix(size), SizeW(size), (op << 3) | 2 | Wide(size), dst.Index, src, 0, ForceRex8(size, dst.Index));

    private void AluMR(int op, OperandSize size, Mem dst, Gpr src) =>
        EmitRM(SizePrefix(size), SizeW(size), (op << 3) | Wide(size), src.Index, dst, 0, ForceRex8(size, src.Index));

    private void AluRI(int op, OperandSize size, Gpr dst, int imm)
    {
        CheckImmediate(size, imm);
        // 0x83 takes a sign-extended imm8: the common small constants cost one byte instead of four.
        bool short8 = size != OperandSize.S8 && FitsImm8(size, imm);
        int opcode = size == OperandSize.S8 ? 0x80 : short8 ? 0x83 : 0x81;
        EmitRR(SizePrefix(size), SizeW(size), opcode, op, dst.Index, ForceRex8(size, dst.Index));
        PutImmediate(imm, short8 ? 1 : FullImmediateSize(size));
    }

    private void AluMI(int op, OperandSize size, Mem dst, int imm)
    {
        CheckImmediate(size, imm);
        bool short8 = size != OperandSize.S8 && FitsImm8(size, imm);
        int opcode = size == OperandSize.S8 ? 0x80 : short8 ? 0x83 : 0x81;
        int immSize = short8 ? 1 : FullImmediateSize(size);
        EmitRM(SizePrefix(size), SizeW(size), opcode, op, dst, immSize);
        PutImmediate(imm, immSize);
    }

    // ---- test ----

    public void Test(OperandSize size, Gpr a, Gpr b) =>
        EmitRR(SizePrefix(size), SizeW(size), 0x84 | Wide(size), b.Index, a.Index, ForceRex8(size, a.Index, b.Index));

    public void Test(OperandSize size, Mem a, Gpr b) =>
        EmitRM(SizePrefix(size), SizeW(size), 0x84 | Wide(size), b.Index, a, 0, ForceRex8(size, b.Index));

    public void Test(OperandSize size, Gpr a, int imm)
    {
        CheckImmediate(size, imm);
        EmitRR(SizePrefix(size), SizeW(size), 0xF6 | Wide(size), 0, a.Index, ForceRex8(size, a.Index));
        PutImmediate(imm, FullImmediateSize(size));
    }

    public void Test(OperandSize size, Mem a, int imm)
    {
        CheckImmediate(size, imm);
        int immSize = FullImmediateSize(size);
        EmitRM(SizePrefix(size), SizeW(size), 0xF6 | Wide(size), 0, a, immSize);
        PutImmediate(imm, immSize);
    }

    // ---- unary group: not, neg, mul, imul (one operand), div, idiv; inc, dec ----

    public void Not(OperandSize size, Gpr r) => UnaryR(UnaryNot, size, r);
    public void Not(OperandSize size, Mem m) => UnaryM(UnaryNot, size, m);
    public void Neg(OperandSize size, Gpr r) => UnaryR(UnaryNeg, size, r);
    public void Neg(OperandSize size, Mem m) => UnaryM(UnaryNeg, size, m);

    /// <summary>mul src: rdx:rax = rax * src, unsigned.</summary>
    public void Mul(OperandSize size, Gpr src) => UnaryR(UnaryMul, size, src);
    public void Mul(OperandSize size, Mem src) => UnaryM(UnaryMul, size, src);

    /// <summary>imul src: rdx:rax = rax * src, signed.</summary>
    public void Imul(OperandSize size, Gpr src) => UnaryR(UnaryImul, size, src);
    public void Imul(OperandSize size, Mem src) => UnaryM(UnaryImul, size, src);

    /// <summary>div src: rax = rdx:rax / src, rdx = remainder, unsigned; #DE on zero or overflow.</summary>
    public void Div(OperandSize size, Gpr src) => UnaryR(UnaryDiv, size, src);
    public void Div(OperandSize size, Mem src) => UnaryM(UnaryDiv, size, src);

    /// <summary>idiv src: signed; #DE on zero and on MIN / -1, which compilers must check first.</summary>
    public void Idiv(OperandSize size, Gpr src) => UnaryR(UnaryIdiv, size, src);
    public void Idiv(OperandSize size, Mem src) => UnaryM(UnaryIdiv, size, src);

    public void Inc(OperandSize size, Gpr r) =>
        EmitRR(SizePrefix(size), SizeW(size), 0xFE | Wide(size), 0, r.Index, ForceRex8(size, r.Index));
    public void Inc(OperandSize size, Mem m) => EmitRM(SizePrefix(size), SizeW(size), 0xFE | Wide(size), 0, m);
    public void Dec(OperandSize size, Gpr r) =>
        EmitRR(SizePrefix(size), SizeW(size), 0xFE | Wide(size), 1, r.Index, ForceRex8(size, r.Index));
    public void Dec(OperandSize size, Mem m) => EmitRM(SizePrefix(size), SizeW(size), 0xFE | Wide(size), 1, m);

    private void UnaryR(int op, OperandSize size, Gpr r) =>
        EmitRR(SizePrefix(size), SizeW(size), 0xF6 | Wide(size), op, r.Index, ForceRex8(size, r.Index));

    private void UnaryM(int op, OperandSize size, Mem m) => EmitRM(SizePrefix(size), SizeW(size), 0xF6 | Wide(size), op, m);

    /// <summary>imul dst, src (dst = dst * src, truncated).</summary>
    public void Imul(OperandSize size, Gpr dst, Gpr src)
    {
        CheckSize16To64("imul", size);
        EmitRR(SizePrefix(size), SizeW(size), 0x0FAF, dst.Index, src.Index);
    }

    public void Imul(OperandSize size, Gpr dst, Mem src)
    {
        CheckSize16To64("imul", size);
        EmitRM(SizePrefix(size), SizeW(size), 0x0FAF, dst.Index, src);
    }

    /// <summary>imul dst, src, imm (dst = src * imm).</summary>
    public void Imul(OperandSize size, Gpr dst, Gpr src, int imm)
    {
        CheckSize16To64("imul", size);
        CheckImmediate(size, imm);
        bool short8 = FitsImm8(size, imm);
        EmitRR(SizePrefix(size), SizeW(size), short8 ? 0x6B : 0x69, dst.Index, src.Index);
        PutImmediate(imm, short8 ? 1 : FullImmediateSize(size));
    }

    public void Imul(OperandSize size, Gpr dst, Mem src, int imm)
    {
        CheckSize16To64("imul", size);
        CheckImmediate(size, imm);
        bool short8 = FitsImm8(size, imm);
        int immSize = short8 ? 1 : FullImmediateSize(size);
        EmitRM(SizePrefix(size), SizeW(size), short8 ? 0x6B : 0x69, dst.Index, src, immSize);
        PutImmediate(imm, immSize);
    }

    /// <summary>cdq: edx = sign of eax (before a 32-bit idiv).</summary>
    public void Cdq()
    {
        Reserve();
        Put(0x99);
    }

    /// <summary>cqo: rdx = sign of rax (before a 64-bit idiv).</summary>
    public void Cqo()
    {
        Reserve();
        Put(0x48);
        Put(0x99);
    }

    /// <summary>cdqe: rax = sign-extended eax.</summary>
    public void Cdqe()
    {
        Reserve();
        Put(0x48);
        Put(0x98);
    }

    // ---- shifts and rotates ----

    public void Shl(OperandSize size, Gpr r, int count) => ShiftRI(ShiftShl, size, r, count);
    public void Shr(OperandSize size, Gpr r, int count) => ShiftRI(ShiftShr, size, r, count);
    public void Sar(OperandSize size, Gpr r, int count) => ShiftRI(ShiftSar, size, r, count);
    public void Rol(OperandSize size, Gpr r, int count) => ShiftRI(ShiftRol, size, r, count);
    public void Ror(OperandSize size, Gpr r, int count) => ShiftRI(ShiftRor, size, r, count);
    public void Shl(OperandSize size, Mem m, int count) => ShiftMI(ShiftShl, size, m, count);
    public void Shr(OperandSize size, Mem m, int count) => ShiftMI(ShiftShr, size, m, count);
    public void Sar(OperandSize size, Mem m, int count) => ShiftMI(ShiftSar, size, m, count);
    public void Rol(OperandSize size, Mem m, int count) => ShiftMI(ShiftRol, size, m, count);
    public void Ror(OperandSize size, Mem m, int count) => ShiftMI(ShiftRor, size, m, count);

    /// <summary>shl r, cl (the count must already be in cl; the CPU masks it to 5 or 6 bits).</summary>
    public void ShlCl(OperandSize size, Gpr r) => ShiftRCl(ShiftShl, size, r);
    public void ShrCl(OperandSize size, Gpr r) => ShiftRCl(ShiftShr, size, r);
    public void SarCl(OperandSize size, Gpr r) => ShiftRCl(ShiftSar, size, r);
    public void RolCl(OperandSize size, Gpr r) => ShiftRCl(ShiftRol, size, r);
    public void RorCl(OperandSize size, Gpr r) => ShiftRCl(ShiftRor, size, r);
    public void ShlCl(OperandSize size, Mem m) => EmitRM(SizePrefix(size), SizeW(size), 0xD2 | Wide(size), ShiftShl, m);
    public void ShrCl(OperandSize size, Mem m) => EmitRM(SizePrefix(size), SizeW(size), 0xD2 | Wide(size), ShiftShr, m);
    public void SarCl(OperandSize size, Mem m) => EmitRM(SizePrefix(size), SizeW(size), 0xD2 | Wide(size), ShiftSar, m);
    public void RolCl(OperandSize size, Mem m) => EmitRM(SizePrefix(size), SizeW(size), 0xD2 | Wide(size), ShiftRol, m);
    public void RorCl(OperandSize size, Mem m) => EmitRM(SizePrefix(size), SizeW(size), 0xD2 | Wide(size), ShiftRor, m);

    private static void CheckShiftCount(int count)
    {
        if ((uint)count > 63)
        {
            throw new AssemblerException($"Shift count {count} is outside 0..63.");
        }
    }

    private void ShiftRI(int op, OperandSize size, Gpr r, int count)
    {
        CheckShiftCount(count);
        if (count == 1)
        {
            EmitRR(SizePrefix(size), SizeW(size), 0xD0 | Wide(size), op, r.Index, ForceRex8(size, r.Index));
            return;
        }
        EmitRR(SizePrefix(size), SizeW(size), 0xC0 | Wide(size), op, r.Index, ForceRex8(size, r.Index));
        Put(count);
    }

    private void ShiftMI(int op, OperandSize size, Mem m, int count)
    {
        CheckShiftCount(count);
        if (count == 1)
        {
            EmitRM(SizePrefix(size), SizeW(size), 0xD0 | Wide(size), op, m);
            return;
        }
        EmitRM(SizePrefix(size), SizeW(size), 0xC0 | Wide(size), op, m, 1);
        Put(count);
    }

    private void ShiftRCl(int op, OperandSize size, Gpr r) =>
        EmitRR(SizePrefix(size), SizeW(size), 0xD2 | Wide(size), op, r.Index, ForceRex8(size, r.Index));

    // ---- bit operations ----

    /// <summary>bt value, bit: CF = bit <paramref name="bit"/> of <paramref name="value"/>.</summary>
    public void Bt(OperandSize size, Gpr value, Gpr bit)
    {
        CheckSize16To64("bt", size);
        EmitRR(SizePrefix(size), SizeW(size), 0x0FA3, bit.Index, value.Index);
    }

    /// <summary>bt [value], bit. Note: with a register bit index the memory form addresses bit strings beyond the operand.</summary>
    public void Bt(OperandSize size, Mem value, Gpr bit)
    {
        CheckSize16To64("bt", size);
        EmitRM(SizePrefix(size), SizeW(size), 0x0FA3, bit.Index, value);
    }

    public void Bt(OperandSize size, Gpr value, int bit)
    {
        CheckSize16To64("bt", size);
        CheckShiftCount(bit);
        EmitRR(SizePrefix(size), SizeW(size), 0x0FBA, 4, value.Index);
        Put(bit);
    }

    public void Bt(OperandSize size, Mem value, int bit)
    {
        CheckSize16To64("bt", size);
        CheckShiftCount(bit);
        EmitRM(SizePrefix(size), SizeW(size), 0x0FBA, 4, value, 1);
        Put(bit);
    }

    /// <summary>bswap r (32 or 64 bits).</summary>
    public void Bswap(OperandSize size, Gpr r)
    {
        CheckSize32Or64("bswap", size);
        EmitOpcodeReg(0, SizeW(size), 0x0FC8, r.Index);
    }

    /// <summary>bsf dst, src: index of the lowest set bit; dst undefined (ZF=1) when src is 0.</summary>
    public void Bsf(OperandSize size, Gpr dst, Gpr src) => BitScanRR("bsf", 0, 0x0FBC, size, dst, src);
    public void Bsf(OperandSize size, Gpr dst, Mem src) => BitScanRM("bsf", 0, 0x0FBC, size, dst, src);

    /// <summary>bsr dst, src: index of the highest set bit; dst undefined (ZF=1) when src is 0.</summary>
    public void Bsr(OperandSize size, Gpr dst, Gpr src) => BitScanRR("bsr", 0, 0x0FBD, size, dst, src);
    public void Bsr(OperandSize size, Gpr dst, Mem src) => BitScanRM("bsr", 0, 0x0FBD, size, dst, src);

    /// <summary>lzcnt (needs <see cref="CpuFeature.Lzcnt"/>: on older CPUs the same bytes run as bsr).</summary>
    public void Lzcnt(OperandSize size, Gpr dst, Gpr src)
    {
        Require(CpuFeature.Lzcnt, "lzcnt");
        BitScanRR("lzcnt", 0xF3, 0x0FBD, size, dst, src);
    }

    public void Lzcnt(OperandSize size, Gpr dst, Mem src)
    {
        Require(CpuFeature.Lzcnt, "lzcnt");
        BitScanRM("lzcnt", 0xF3, 0x0FBD, size, dst, src);
    }

    /// <summary>tzcnt (needs <see cref="CpuFeature.Bmi1"/>: on older CPUs the same bytes run as bsf).</summary>
    public void Tzcnt(OperandSize size, Gpr dst, Gpr src)
    {
        Require(CpuFeature.Bmi1, "tzcnt");
        BitScanRR("tzcnt", 0xF3, 0x0FBC, size, dst, src);
    }

    public void Tzcnt(OperandSize size, Gpr dst, Mem src)
    {
        Require(CpuFeature.Bmi1, "tzcnt");
        BitScanRM("tzcnt", 0xF3, 0x0FBC, size, dst, src);
    }

    /// <summary>popcnt (needs <see cref="CpuFeature.Popcnt"/>).</summary>
    public void Popcnt(OperandSize size, Gpr dst, Gpr src)
    {
        Require(CpuFeature.Popcnt, "popcnt");
        BitScanRR("popcnt", 0xF3, 0x0FB8, size, dst, src);
    }

    public void Popcnt(OperandSize size, Gpr dst, Mem src)
    {
        Require(CpuFeature.Popcnt, "popcnt");
        BitScanRM("popcnt", 0xF3, 0x0FB8, size, dst, src);
    }

    private void BitScanRR(string mnemonic, int mandatory, int opcode, OperandSize size, Gpr dst, Gpr src)
    {
        CheckSize16To64(mnemonic, size);
        EmitRR(SizePrefix(size) | mandatory, SizeW(size), opcode, dst.Index, src.Index);
    }

    private void BitScanRM(string mnemonic, int mandatory, int opcode, OperandSize size, Gpr dst, Mem src)
    {
        CheckSize16To64(mnemonic, size);
        EmitRM(SizePrefix(size) | mandatory, SizeW(size), opcode, dst.Index, src);
    }

    // ---- conditional and exchange ----

    /// <summary>setcc r8: writes only the low byte; zero-extend it with movzx if the full register is needed.</summary>
    public void Setcc(Condition condition, Gpr dst) =>
        EmitRR(0, 0, 0x0F90 + (int)condition, 0, dst.Index, IsRexByteRegister(dst.Index));

    public void Setcc(Condition condition, Mem dst) => EmitRM(0, 0, 0x0F90 + (int)condition, 0, dst);

    /// <summary>cmovcc dst, src (16/32/64 bits; a 32-bit cmov zeroes bits 63..32 even when the condition is false).</summary>
    public void Cmovcc(Condition condition, OperandSize size, Gpr dst, Gpr src)
    {
        CheckSize16To64("cmovcc", size);
        EmitRR(SizePrefix(size), SizeW(size), 0x0F40 + (int)condition, dst.Index, src.Index);
    }

    public void Cmovcc(Condition condition, OperandSize size, Gpr dst, Mem src)
    {
        CheckSize16To64("cmovcc", size);
        EmitRM(SizePrefix(size), SizeW(size), 0x0F40 + (int)condition, dst.Index, src);
    }

    /// <summary>xchg a, b. Always 0x86/0x87 /r: the short 0x90+r form would turn xchg eax, eax into nop.</summary>
    public void Xchg(OperandSize size, Gpr a, Gpr b) =>
        EmitRR(SizePrefix(size), SizeW(size), 0x86 | Wide(size), b.Index, a.Index, ForceRex8(size, a.Index, b.Index));

    /// <summary>xchg [a], b (implicitly locked).</summary>
    public void Xchg(OperandSize size, Mem a, Gpr b) =>
        EmitRM(SizePrefix(size), SizeW(size), 0x86 | Wide(size), b.Index, a, 0, ForceRex8(size, b.Index));

    // ---- stack ----

    public void Push(Gpr r) => EmitOpcodeReg(0, 0, 0x50, r.Index);
    public void Push(Mem m) => EmitRM(0, 0, 0xFF, 6, m);

    /// <summary>push imm (sign-extended to 64 bits).</summary>
    public void Push(int imm)
    {
        Reserve();
        if ((sbyte)imm == imm)
        {
            Put(0x6A);
            Put(imm);
        }
        else
        {
            Put(0x68);
            Put32(imm);
        }
    }

    public void Pop(Gpr r) => EmitOpcodeReg(0, 0, 0x58, r.Index);
    public void Pop(Mem m) => EmitRM(0, 0, 0x8F, 0, m);
}
