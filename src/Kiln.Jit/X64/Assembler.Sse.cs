namespace Kiln.Jit.X64;

// Scalar SSE/SSE2/SSE4.1 for f32 and f64, movd/movq between the register files, and the constant
// pool operands. Legacy (non-VEX) encodings: a mandatory prefix selects the type (none = ps, 66 = pd,
// F3 = ss, F2 = sd). The packed forms (v128, and the ps/pd logic ops scalar code uses for sign and
// abs masks) are in Assembler.Simd.cs and Assembler.Avx.cs.
public sealed partial class Assembler
{
    private const int Ps = 0, Pd = 0x66, Ss = 0xF3, Sd = 0xF2;

    private void SseRR(int prefix, int opcode, int reg, int rm, int rexW = 0) => EmitRR(prefix, rexW, opcode, reg, rm);

    private void SseRM(int prefix, int opcode, int reg, in Mem mem, int rexW = 0, int trailingBytes = 0) =>
        EmitRM(prefix, rexW, opcode, reg, mem, trailingBytes);

    // ---- moves ----

    /// <summary>movss dst, src (register form: merges the low lane, keeps the upper lanes of dst).</summary>
    public void Movss(Xmm dst, Xmm src) => SseRR(Ss, 0x0F10, dst.Index, src.Index);
    /// <summary>movss dst, dword [src] (load: zeroes the upper lanes).</summary>
    public void Movss(Xmm dst, Mem src) => SseRM(Ss, 0x0F10, dst.Index, src);
    public void Movss(Mem dst, Xmm src) => SseRM(Ss, 0x0F11, src.Index, dst);

    public void Movsd(Xmm dst, Xmm src) => SseRR(Sd, 0x0F10, dst.Index, src.Index);
    public void Movsd(Xmm dst, Mem src) => SseRM(Sd, 0x0F10, dst.Index, src);
    public void Movsd(Mem dst, Xmm src) => SseRM(Sd, 0x0F11, src.Index, dst);

    /// <summary>movd xmm, r32 (zeroes the upper lanes).</summary>
    public void Movd(Xmm dst, Gpr src) => SseRR(Pd, 0x0F6E, dst.Index, src.Index);
    public void Movd(Xmm dst, Mem src) => SseRM(Pd, 0x0F6E, dst.Index, src);
    /// <summary>movd r32, xmm.</summary>
    public void Movd(Gpr dst, Xmm src) => SseRR(Pd, 0x0F7E, src.Index, dst.Index);
    public void Movd(Mem dst, Xmm src) => SseRM(Pd, 0x0F7E, src.Index, dst);

    /// <summary>movq xmm, r64.</summary>
    public void Movq(Xmm dst, Gpr src) => SseRR(Pd, 0x0F6E, dst.Index, src.Index, RexW);
    /// <summary>movq r64, xmm.</summary>
    public void Movq(Gpr dst, Xmm src) => SseRR(Pd, 0x0F7E, src.Index, dst.Index, RexW);
    /// <summary>movq xmm, xmm (copies the low 64 bits, zeroes the upper).</summary>
    public void Movq(Xmm dst, Xmm src) => SseRR(Ss, 0x0F7E, dst.Index, src.Index);
    /// <summary>movq xmm, qword [m].</summary>
    public void Movq(Xmm dst, Mem src) => SseRM(Ss, 0x0F7E, dst.Index, src);
    /// <summary>movq qword [m], xmm.</summary>
    public void Movq(Mem dst, Xmm src) => SseRM(Pd, 0x0FD6, src.Index, dst);

    // ---- arithmetic ----

    public void Addss(Xmm dst, Xmm src) => SseRR(Ss, 0x0F58, dst.Index, src.Index);
    public void Addss(Xmm dst, Mem src) => SseRM(Ss, 0x0F58, dst.Index, src);
    public void Addsd(Xmm dst, Xmm src) => SseRR(Sd, 0x0F58, dst.Index, src.Index);
    public void Addsd(Xmm dst, Mem src) => SseRM(Sd, 0x0F58, dst.Index, src);
    public void Mulss(Xmm dst, Xmm src) => SseRR(Ss, 0x0F59, dst.Index, src.Index);
    public void Mulss(Xmm dst, Mem src) => SseRM(Ss, 0x0F59, dst.Index, src);
    public void Mulsd(Xmm dst, Xmm src) => SseRR(Sd, 0x0F59, dst.Index, src.Index);
    public void Mulsd(Xmm dst, Mem src) => SseRM(Sd, 0x0F59, dst.Index, src);
    public void Subss(Xmm dst, Xmm src) => SseRR(Ss, 0x0F5C, dst.Index, src.Index);
    public void Subss(Xmm dst, Mem src) => SseRM(Ss, 0x0F5C, dst.Index, src);
    public void Subsd(Xmm dst, Xmm src) => SseRR(Sd, 0x0F5C, dst.Index, src.Index);
    public void Subsd(Xmm dst, Mem src) => SseRM(Sd, 0x0F5C, dst.Index, src);
    public void Divss(Xmm dst, Xmm src) => SseRR(Ss, 0x0F5E, dst.Index, src.Index);
    public void Divss(Xmm dst, Mem src) => SseRM(Ss, 0x0F5E, dst.Index, src);
    public void Divsd(Xmm dst, Xmm src) => SseRR(Sd, 0x0F5E, dst.Index, src.Index);
    public void Divsd(Xmm dst, Mem src) => SseRM(Sd, 0x0F5E, dst.Index, src);
    public void Sqrtss(Xmm dst, Xmm src) => SseRR(Ss, 0x0F51, dst.Index, src.Index);
    public void Sqrtss(Xmm dst, Mem src) => SseRM(Ss, 0x0F51, dst.Index, src);
    public void Sqrtsd(Xmm dst, Xmm src) => SseRR(Sd, 0x0F51, dst.Index, src.Index);
    public void Sqrtsd(Xmm dst, Mem src) => SseRM(Sd, 0x0F51, dst.Index, src);

    /// <summary>minss: returns the second operand when either is NaN or both are zero (not Wasm's min; compilers fix up).</summary>
    public void Minss(Xmm dst, Xmm src) => SseRR(Ss, 0x0F5D, dst.Index, src.Index);
    public void Minss(Xmm dst, Mem src) => SseRM(Ss, 0x0F5D, dst.Index, src);
    public void Minsd(Xmm dst, Xmm src) => SseRR(Sd, 0x0F5D, dst.Index, src.Index);
    public void Minsd(Xmm dst, Mem src) => SseRM(Sd, 0x0F5D, dst.Index, src);
    public void Maxss(Xmm dst, Xmm src) => SseRR(Ss, 0x0F5F, dst.Index, src.Index);
    public void Maxss(Xmm dst, Mem src) => SseRM(Ss, 0x0F5F, dst.Index, src);
    public void Maxsd(Xmm dst, Xmm src) => SseRR(Sd, 0x0F5F, dst.Index, src.Index);
    public void Maxsd(Xmm dst, Mem src) => SseRM(Sd, 0x0F5F, dst.Index, src);

    /// <summary>ucomiss a, b: ZF/PF/CF as an unsigned compare; PF=1 means unordered (a NaN).</summary>
    public void Ucomiss(Xmm a, Xmm b) => SseRR(Ps, 0x0F2E, a.Index, b.Index);
    public void Ucomiss(Xmm a, Mem b) => SseRM(Ps, 0x0F2E, a.Index, b);
    public void Ucomisd(Xmm a, Xmm b) => SseRR(Pd, 0x0F2E, a.Index, b.Index);
    public void Ucomisd(Xmm a, Mem b) => SseRM(Pd, 0x0F2E, a.Index, b);

    // ---- conversions ----

    /// <summary>cvtsi2ss dst, src: a signed 32- or 64-bit integer to f32.</summary>
    public void Cvtsi2ss(Xmm dst, OperandSize srcSize, Gpr src)
    {
        CheckSize32Or64("cvtsi2ss", srcSize);
        SseRR(Ss, 0x0F2A, dst.Index, src.Index, SizeW(srcSize));
    }

    public void Cvtsi2ss(Xmm dst, OperandSize srcSize, Mem src)
    {
        CheckSize32Or64("cvtsi2ss", srcSize);
        SseRM(Ss, 0x0F2A, dst.Index, src, SizeW(srcSize));
    }

    /// <summary>cvtsi2sd dst, src: a signed 32- or 64-bit integer to f64.</summary>
    public void Cvtsi2sd(Xmm dst, OperandSize srcSize, Gpr src)
    {
        CheckSize32Or64("cvtsi2sd", srcSize);
        SseRR(Sd, 0x0F2A, dst.Index, src.Index, SizeW(srcSize));
    }

    public void Cvtsi2sd(Xmm dst, OperandSize srcSize, Mem src)
    {
        CheckSize32Or64("cvtsi2sd", srcSize);
        SseRM(Sd, 0x0F2A, dst.Index, src, SizeW(srcSize));
    }

    /// <summary>cvttss2si dst, src: truncate f32 to a signed 32/64-bit integer; out of range or NaN gives MIN ("integer indefinite").</summary>
    public void Cvttss2si(OperandSize dstSize, Gpr dst, Xmm src)
    {
        CheckSize32Or64("cvttss2si", dstSize);
        SseRR(Ss, 0x0F2C, dst.Index, src.Index, SizeW(dstSize));
    }

    public void Cvttss2si(OperandSize dstSize, Gpr dst, Mem src)
    {
        CheckSize32Or64("cvttss2si", dstSize);
        SseRM(Ss, 0x0F2C, dst.Index, src, SizeW(dstSize));
    }

    /// <summary>cvttsd2si dst, src: truncate f64 to a signed 32/64-bit integer.</summary>
    public void Cvttsd2si(OperandSize dstSize, Gpr dst, Xmm src)
    {
        CheckSize32Or64("cvttsd2si", dstSize);
        SseRR(Sd, 0x0F2C, dst.Index, src.Index, SizeW(dstSize));
    }

    public void Cvttsd2si(OperandSize dstSize, Gpr dst, Mem src)
    {
        CheckSize32Or64("cvttsd2si", dstSize);
        SseRM(Sd, 0x0F2C, dst.Index, src, SizeW(dstSize));
    }

    public void Cvtss2sd(Xmm dst, Xmm src) => SseRR(Ss, 0x0F5A, dst.Index, src.Index);
    public void Cvtss2sd(Xmm dst, Mem src) => SseRM(Ss, 0x0F5A, dst.Index, src);
    public void Cvtsd2ss(Xmm dst, Xmm src) => SseRR(Sd, 0x0F5A, dst.Index, src.Index);
    public void Cvtsd2ss(Xmm dst, Mem src) => SseRM(Sd, 0x0F5A, dst.Index, src);

    /// <summary>roundss dst, src, mode (SSE4.1).</summary>
    public void Roundss(Xmm dst, Xmm src, RoundingMode mode)
    {
        Require(CpuFeature.Sse41, "roundss");
        SseRR(Pd, 0x0F3A0A, dst.Index, src.Index);
        Put((int)mode);
    }

    public void Roundss(Xmm dst, Mem src, RoundingMode mode)
    {
        Require(CpuFeature.Sse41, "roundss");
        SseRM(Pd, 0x0F3A0A, dst.Index, src, 0, 1);
        Put((int)mode);
    }

    /// <summary>roundsd dst, src, mode (SSE4.1).</summary>
    public void Roundsd(Xmm dst, Xmm src, RoundingMode mode)
    {
        Require(CpuFeature.Sse41, "roundsd");
        SseRR(Pd, 0x0F3A0B, dst.Index, src.Index);
        Put((int)mode);
    }

    public void Roundsd(Xmm dst, Mem src, RoundingMode mode)
    {
        Require(CpuFeature.Sse41, "roundsd");
        SseRM(Pd, 0x0F3A0B, dst.Index, src, 0, 1);
        Put((int)mode);
    }

    // ---- constants ----

    /// <summary>
    /// A RIP-relative operand to a deduplicated f32 constant: for scalar operands only, since a packed
    /// operation reads 16 aligned bytes (use <see cref="Const128"/> for masks).
    /// </summary>
    public Mem ConstF32(float value) => Mem.Constant(_constants.AddF32(value));

    /// <summary>A RIP-relative operand to a deduplicated f64 constant.</summary>
    public Mem ConstF64(double value) => Mem.Constant(_constants.AddF64(value));

    /// <summary>A RIP-relative operand to a deduplicated 64-bit integer constant.</summary>
    public Mem ConstI64(long value) => Mem.Constant(_constants.AddI64(value));

    /// <summary>A RIP-relative operand to a deduplicated, 16-byte aligned 128-bit constant (for packed operands).</summary>
    public Mem Const128(ulong low, ulong high) => Mem.Constant(_constants.Add128(low, high));
}
