using Kiln.Jit.X64;

namespace Kiln.Compiled;

/// <summary>
/// The scalar float sequences both compiling tiers emit: Wasm's NaN, ±0 and sign-bit rules must come out bit for bit
/// the same whichever tier compiled a function, so each is written once here over registers the caller chose. The
/// callers keep their own register choice, operand loading and result bookkeeping.
/// </summary>
internal static class FloatSequences
{
    /// <summary>ucomiss or ucomisd a, b.</summary>
    public static void Ucomis(Assembler asm, bool f64, Xmm a, Xmm b)
    {
        if (f64)
        {
            asm.Ucomisd(a, b);
        }
        else
        {
            asm.Ucomiss(a, b);
        }
    }

    /// <summary>cvtsi2ss or cvtsi2sd dst, src (signed, of the given width).</summary>
    public static void Cvtsi2(Assembler asm, bool f64, Xmm dst, OperandSize size, Gpr src)
    {
        if (f64)
        {
            asm.Cvtsi2sd(dst, size, src);
        }
        else
        {
            asm.Cvtsi2ss(dst, size, src);
        }
    }

    /// <summary>
    /// Materializes eq/ne from the flags of ucomis into the low byte of <paramref name="result"/>, zero-extended: eq
    /// is ZF=1 and PF=0; ne is ZF=0 or PF=1 (NaN compares unequal). <paramref name="scratch"/> is clobbered.
    /// </summary>
    public static void EqualityFromFlags(Assembler asm, bool ne, Gpr result, Gpr scratch)
    {
        asm.Setcc(ne ? Condition.NotEqual : Condition.Equal, result);
        asm.Setcc(ne ? Condition.Parity : Condition.NoParity, scratch);
        if (ne)
        {
            asm.Or(OperandSize.S8, result, scratch);
        }
        else
        {
            asm.And(OperandSize.S8, result, scratch);
        }
        asm.Movzx(OperandSize.S32, result, OperandSize.S8, result);
    }

    /// <summary>
    /// Wasm min/max into <paramref name="a"/>: a NaN operand gives a NaN (a + b, as the interpreter computes it), and
    /// -0 &lt; +0; minss/maxss alone get both wrong, so equal operands (which includes ±0) combine their sign bits.
    /// </summary>
    public static void MinMax(Assembler asm, bool f64, bool max, Xmm a, Xmm b)
    {
        Label nan = asm.CreateLabel();
        Label notEqual = asm.CreateLabel();
        Label done = asm.CreateLabel();
        Ucomis(asm, f64, a, b);
        asm.Jcc(Condition.Parity, nan, JumpDistance.Short);
        asm.Jcc(Condition.NotEqual, notEqual, JumpDistance.Short);
        if (max)
        {
            asm.Andps(a, b);
        }
        else
        {
            asm.Orps(a, b);
        }
        asm.Jmp(done, JumpDistance.Short);
        asm.Bind(nan);
        if (f64)
        {
            asm.Addsd(a, b);
        }
        else
        {
            asm.Addss(a, b);
        }
        asm.Jmp(done, JumpDistance.Short);
        asm.Bind(notEqual);
        switch ((f64, max))
        {
            case (false, false): asm.Minss(a, b); break;
            case (false, true): asm.Maxss(a, b); break;
            case (true, false): asm.Minsd(a, b); break;
            default: asm.Maxsd(a, b); break;
        }
        asm.Bind(done);
    }

    /// <summary>
    /// The sign-bit masks of abs, neg and copysign from the constant pool (16 bytes, as legacy SSE needs): the sign
    /// mask first, then its complement, for every one of the three. Callers create them before loading operands
    /// (which may add pool constants of their own), so the pool's layout is the same on both tiers.
    /// </summary>
    public static void SignMasks(Assembler asm, bool f64, out Mem signMask, out Mem absMask)
    {
        ulong sign = f64 ? 0x8000_0000_0000_0000UL : 0x8000_0000_8000_0000UL;
        signMask = asm.Const128(sign, sign);
        absMask = asm.Const128(~sign, ~sign);
    }

    /// <summary>abs (clear the sign bit) or neg (flip it) in place with the masks of <see cref="SignMasks"/>; NaN payloads are kept.</summary>
    public static void AbsOrNeg(Assembler asm, bool neg, Xmm x, Mem signMask, Mem absMask)
    {
        if (neg)
        {
            asm.Xorps(x, signMask);
        }
        else
        {
            asm.Andps(x, absMask);
        }
    }

    /// <summary>
    /// copysign into <paramref name="a"/> with the masks of <see cref="SignMasks"/>: the magnitude of a with the sign
    /// of <paramref name="sign"/>, which holds b on entry and is clobbered.
    /// </summary>
    public static void Copysign(Assembler asm, Xmm a, Xmm sign, Mem signMask, Mem absMask)
    {
        asm.Andps(sign, signMask);
        asm.Andps(a, absMask);
        asm.Orps(a, sign);
    }

    /// <summary>Signed integer to float into <paramref name="dst"/>, zeroed first (cvtsi2 writes only the low lane).</summary>
    public static void SignedToFloat(Assembler asm, bool f64, Xmm dst, OperandSize size, Gpr src)
    {
        asm.Xorps(dst, dst);
        Cvtsi2(asm, f64, dst, size, src);
    }

    /// <summary>
    /// u64 to float into <paramref name="dst"/> (zeroed first: cvtsi2 writes only the low lane): non-negative values
    /// convert directly; otherwise halve with the low bit kept sticky (so rounding stays correct), convert, and
    /// double. <paramref name="scratch"/> and <paramref name="scratch2"/> are clobbered; <paramref name="src"/> is not.
    /// </summary>
    public static void UnsignedI64ToFloat(Assembler asm, bool f64, Xmm dst, Gpr src, Gpr scratch, Gpr scratch2)
    {
        Label big = asm.CreateLabel();
        Label done = asm.CreateLabel();
        asm.Xorps(dst, dst);
        asm.Test(OperandSize.S64, src, src);
        asm.Jcc(Condition.Sign, big, JumpDistance.Short);
        Cvtsi2(asm, f64, dst, OperandSize.S64, src);
        asm.Jmp(done, JumpDistance.Short);
        asm.Bind(big);
        asm.Mov(OperandSize.S64, scratch, src);
        asm.Shr(OperandSize.S64, scratch, 1);
        asm.Mov(OperandSize.S32, scratch2, src);
        asm.And(OperandSize.S32, scratch2, 1);
        asm.Or(OperandSize.S64, scratch, scratch2);
        Cvtsi2(asm, f64, dst, OperandSize.S64, scratch);
        if (f64)
        {
            asm.Addsd(dst, dst);
        }
        else
        {
            asm.Addss(dst, dst);
        }
        asm.Bind(done);
    }

    /// <summary>
    /// The arguments of <see cref="RuntimeHelper.Truncate"/>, from the source in xmm0 as f64 (f32 widens exactly, so
    /// one helper serves both): rdi = the value's bits, rsi = the Wasm opcode, rdx = &amp;status (the frame's scratch
    /// word).
    /// </summary>
    public static void TruncateArguments(Assembler asm, int opcode)
    {
        asm.Movq(Gpr.Rdi, Xmm.Xmm0);
        asm.Mov(OperandSize.S32, Gpr.Rsi, opcode);
        asm.Lea(OperandSize.S64, Gpr.Rdx, Mem.At(Gpr.Rbp, CompiledAbi.ScratchOffset));
    }

    /// <summary>
    /// After a trapping truncation's helper call: a status other than -1 is a trap code, moved to eax for
    /// <paramref name="statusTrap"/>. <paramref name="scratch"/> is clobbered; rax (the result) is kept on success.
    /// </summary>
    public static void TruncateStatusCheck(Assembler asm, Gpr scratch, Label statusTrap)
    {
        asm.Mov(OperandSize.S32, scratch, Mem.At(Gpr.Rbp, CompiledAbi.ScratchOffset));
        asm.Cmp(OperandSize.S32, scratch, -1);
        Label ok = asm.CreateLabel();
        asm.Jcc(Condition.Equal, ok, JumpDistance.Short);
        asm.Mov(OperandSize.S32, Gpr.Rax, scratch);
        asm.Jmp(statusTrap);
        asm.Bind(ok);
    }
}
