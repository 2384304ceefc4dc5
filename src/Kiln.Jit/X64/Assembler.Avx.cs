namespace Kiln.Jit.X64;

// VEX-encoded 128-bit forms (AVX, and AVX2 for the broadcasts). They read the rows of the opcode table
// in Assembler.Simd.cs: the mandatory prefix becomes VEX.pp, the map VEX.mmmmm and REX.W VEX.W, and
// the extra source goes in VEX.vvvv, so dst = src1 op src2 needs no copy of src1 first. Only forms
// where VEX removes a move (or that exist only as VEX) are here; a unary op such as pshufd gains
// nothing from VEX, and mixing the legacy and VEX.128 encodings costs nothing because Kiln never
// dirties the upper halves of the ymm registers (every VEX.128 instruction zeroes them).
public sealed partial class Assembler
{
    // VEX-only rows: vpblendvb and friends take the mask as a fourth register (imm8[7:4]) instead of the implicit xmm0.
    private static readonly SimdOp s_vpbroadcastd = new("pbroadcastd", Pd, 0x0F3858, CpuFeature.Avx2);
    private static readonly SimdOp s_vpbroadcastq = new("pbroadcastq", Pd, 0x0F3859, CpuFeature.Avx2);
    private static readonly SimdOp s_vpbroadcastb = new("pbroadcastb", Pd, 0x0F3878, CpuFeature.Avx2);
    private static readonly SimdOp s_vpbroadcastw = new("pbroadcastw", Pd, 0x0F3879, CpuFeature.Avx2);
    private static readonly SimdOp s_vbroadcastss = new("broadcastss", Pd, 0x0F3818, CpuFeature.Avx);
    private static readonly SimdOp s_vblendvps = new("blendvps", Pd, 0x0F3A4A, CpuFeature.Avx);
    private static readonly SimdOp s_vblendvpd = new("blendvpd", Pd, 0x0F3A4B, CpuFeature.Avx);
    private static readonly SimdOp s_vpblendvb = new("pblendvb", Pd, 0x0F3A4C, CpuFeature.Avx);

    // Scalar rows (the VEX twins of Assembler.Sse.cs): dst = src1 op src2 in the low lane, the upper lanes copied
    // from src1. With src1 the source itself (vsqrtsd x, y, y) the result depends on no earlier value of dst, where
    // legacy sqrtsd/cvtsd2ss/roundsd merge into dst and so wait for whatever last wrote it.
    private static readonly SimdOp s_vaddss = new("addss", Ss, 0x0F58);
    private static readonly SimdOp s_vaddsd = new("addsd", Sd, 0x0F58);
    private static readonly SimdOp s_vmulss = new("mulss", Ss, 0x0F59);
    private static readonly SimdOp s_vmulsd = new("mulsd", Sd, 0x0F59);
    private static readonly SimdOp s_vsubss = new("subss", Ss, 0x0F5C);
    private static readonly SimdOp s_vsubsd = new("subsd", Sd, 0x0F5C);
    private static readonly SimdOp s_vdivss = new("divss", Ss, 0x0F5E);
    private static readonly SimdOp s_vdivsd = new("divsd", Sd, 0x0F5E);
    private static readonly SimdOp s_vsqrtss = new("sqrtss", Ss, 0x0F51);
    private static readonly SimdOp s_vsqrtsd = new("sqrtsd", Sd, 0x0F51);
    private static readonly SimdOp s_vcvtss2sd = new("cvtss2sd", Ss, 0x0F5A);
    private static readonly SimdOp s_vcvtsd2ss = new("cvtsd2ss", Sd, 0x0F5A);
    private static readonly SimdOp s_vcvtsi2ss = new("cvtsi2ss", Ss, 0x0F2A);
    private static readonly SimdOp s_vcvtsi2sd = new("cvtsi2sd", Sd, 0x0F2A);
    private static readonly SimdOp s_vroundss = new("roundss", Pd, 0x0F3A0A);
    private static readonly SimdOp s_vroundsd = new("roundsd", Pd, 0x0F3A0B);

    // ---- emitters: reg in ModRM.reg, vvvv the first source (0 when the form has none), rm the second ----

    private void VexRR(in SimdOp op, int reg, int vvvv, int rm, int vexW = 0, CpuFeature feature = CpuFeature.Avx)
    {
        RequireVex(feature, op);
        EmitVexRR(op.Prefix, vexW, op.Opcode, reg, vvvv, rm);
    }

    private void VexRM(in SimdOp op, int reg, int vvvv, in Mem mem, int vexW = 0, CpuFeature feature = CpuFeature.Avx)
    {
        RequireVex(feature, op);
        EmitVexRM(op.Prefix, vexW, op.Opcode, reg, vvvv, mem);
    }

    private void VexRRI(in SimdOp op, int reg, int vvvv, int rm, int imm, int vexW = 0)
    {
        RequireVex(CpuFeature.Avx, op);
        EmitVexRR(op.Prefix, vexW, op.Opcode, reg, vvvv, rm);
        Put(imm);
    }

    /// <summary>A shift-by-immediate form: ModRM.reg holds the row's group digit, vvvv the destination, ModRM.rm the source.</summary>
    private void VexGroupRI(in SimdOp op, int vvvv, int rm, int imm) => VexRRI(op, op.Extension, vvvv, rm, imm);

    private void VexRMI(in SimdOp op, int reg, int vvvv, in Mem mem, int imm, int vexW = 0)
    {
        RequireVex(CpuFeature.Avx, op);
        EmitVexRM(op.Prefix, vexW, op.Opcode, reg, vvvv, mem, 1);
        Put(imm);
    }

    private void RequireVex(CpuFeature feature, in SimdOp op)
    {
        if (!_features.Has(feature))
        {
            Require(feature, "v" + op.Mnemonic);
        }
    }

    private static int VexPredicate(FloatComparison predicate, string mnemonic) =>
        (int)predicate <= 31 ? (int)predicate : throw new AssemblerException($"{mnemonic} has predicates 0..31, not {(int)predicate}.");

    // ---- moves ----

    public void Vmovdqa(Xmm dst, Xmm src) => VexRR(s_movdqaLoad, dst.Index, 0, src.Index);
    public void Vmovdqa(Xmm dst, Mem src) => VexRM(s_movdqaLoad, dst.Index, 0, src);
    public void Vmovdqa(Mem dst, Xmm src) => VexRM(s_movdqaStore, src.Index, 0, dst);
    public void Vmovdqu(Xmm dst, Xmm src) => VexRR(s_movdquLoad, dst.Index, 0, src.Index);
    public void Vmovdqu(Xmm dst, Mem src) => VexRM(s_movdquLoad, dst.Index, 0, src);
    public void Vmovdqu(Mem dst, Xmm src) => VexRM(s_movdquStore, src.Index, 0, dst);
    public void Vmovaps(Xmm dst, Xmm src) => VexRR(s_movapsLoad, dst.Index, 0, src.Index);
    public void Vmovaps(Xmm dst, Mem src) => VexRM(s_movapsLoad, dst.Index, 0, src);
    public void Vmovaps(Mem dst, Xmm src) => VexRM(s_movapsStore, src.Index, 0, dst);
    public void Vmovups(Xmm dst, Xmm src) => VexRR(s_movupsLoad, dst.Index, 0, src.Index);
    public void Vmovups(Xmm dst, Mem src) => VexRM(s_movupsLoad, dst.Index, 0, src);
    public void Vmovups(Mem dst, Xmm src) => VexRM(s_movupsStore, src.Index, 0, dst);

    /// <summary>vmovlhps dst, src1, src2: dst = the low half of src1, then the low half of src2.</summary>
    public void Vmovlhps(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_movlhps, dst.Index, src1.Index, src2.Index);
    /// <summary>vmovhlps dst, src1, src2: dst = the high half of src2, then the high half of src1.</summary>
    public void Vmovhlps(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_movhlps, dst.Index, src1.Index, src2.Index);

    // ---- broadcasts (splat): every lane = the low lane of src, or the value at [src] ----

    /// <summary>vpbroadcastb dst, src (AVX2; i8x16.splat after a movd, or v128.load8_splat from memory).</summary>
    public void Vpbroadcastb(Xmm dst, Xmm src) => VexRR(s_vpbroadcastb, dst.Index, 0, src.Index, 0, CpuFeature.Avx2);
    public void Vpbroadcastb(Xmm dst, Mem src) => VexRM(s_vpbroadcastb, dst.Index, 0, src, 0, CpuFeature.Avx2);
    public void Vpbroadcastw(Xmm dst, Xmm src) => VexRR(s_vpbroadcastw, dst.Index, 0, src.Index, 0, CpuFeature.Avx2);
    public void Vpbroadcastw(Xmm dst, Mem src) => VexRM(s_vpbroadcastw, dst.Index, 0, src, 0, CpuFeature.Avx2);
    public void Vpbroadcastd(Xmm dst, Xmm src) => VexRR(s_vpbroadcastd, dst.Index, 0, src.Index, 0, CpuFeature.Avx2);
    public void Vpbroadcastd(Xmm dst, Mem src) => VexRM(s_vpbroadcastd, dst.Index, 0, src, 0, CpuFeature.Avx2);
    public void Vpbroadcastq(Xmm dst, Xmm src) => VexRR(s_vpbroadcastq, dst.Index, 0, src.Index, 0, CpuFeature.Avx2);
    public void Vpbroadcastq(Xmm dst, Mem src) => VexRM(s_vpbroadcastq, dst.Index, 0, src, 0, CpuFeature.Avx2);
    /// <summary>vbroadcastss dst, src: the register form needs AVX2.</summary>
    public void Vbroadcastss(Xmm dst, Xmm src) => VexRR(s_vbroadcastss, dst.Index, 0, src.Index, 0, CpuFeature.Avx2);
    /// <summary>vbroadcastss dst, dword [src]: the memory form is plain AVX.</summary>
    public void Vbroadcastss(Xmm dst, Mem src) => VexRM(s_vbroadcastss, dst.Index, 0, src);

    // ---- unpacks and packs: dst = src1 op src2 ----
    public void Vpunpcklbw(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_punpcklbw, dst.Index, src1.Index, src2.Index);
    public void Vpunpcklbw(Xmm dst, Xmm src1, Mem src2) => VexRM(s_punpcklbw, dst.Index, src1.Index, src2);
    public void Vpunpcklwd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_punpcklwd, dst.Index, src1.Index, src2.Index);
    public void Vpunpcklwd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_punpcklwd, dst.Index, src1.Index, src2);
    public void Vpunpckldq(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_punpckldq, dst.Index, src1.Index, src2.Index);
    public void Vpunpckldq(Xmm dst, Xmm src1, Mem src2) => VexRM(s_punpckldq, dst.Index, src1.Index, src2);
    public void Vpunpcklqdq(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_punpcklqdq, dst.Index, src1.Index, src2.Index);
    public void Vpunpcklqdq(Xmm dst, Xmm src1, Mem src2) => VexRM(s_punpcklqdq, dst.Index, src1.Index, src2);
    public void Vpunpckhbw(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_punpckhbw, dst.Index, src1.Index, src2.Index);
    public void Vpunpckhbw(Xmm dst, Xmm src1, Mem src2) => VexRM(s_punpckhbw, dst.Index, src1.Index, src2);
    public void Vpunpckhwd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_punpckhwd, dst.Index, src1.Index, src2.Index);
    public void Vpunpckhwd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_punpckhwd, dst.Index, src1.Index, src2);
    public void Vpunpckhdq(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_punpckhdq, dst.Index, src1.Index, src2.Index);
    public void Vpunpckhdq(Xmm dst, Xmm src1, Mem src2) => VexRM(s_punpckhdq, dst.Index, src1.Index, src2);
    public void Vpunpckhqdq(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_punpckhqdq, dst.Index, src1.Index, src2.Index);
    public void Vpunpckhqdq(Xmm dst, Xmm src1, Mem src2) => VexRM(s_punpckhqdq, dst.Index, src1.Index, src2);
    public void Vunpcklps(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_unpcklps, dst.Index, src1.Index, src2.Index);
    public void Vunpcklps(Xmm dst, Xmm src1, Mem src2) => VexRM(s_unpcklps, dst.Index, src1.Index, src2);
    public void Vunpcklpd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_unpcklpd, dst.Index, src1.Index, src2.Index);
    public void Vunpcklpd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_unpcklpd, dst.Index, src1.Index, src2);
    public void Vunpckhps(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_unpckhps, dst.Index, src1.Index, src2.Index);
    public void Vunpckhps(Xmm dst, Xmm src1, Mem src2) => VexRM(s_unpckhps, dst.Index, src1.Index, src2);
    public void Vunpckhpd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_unpckhpd, dst.Index, src1.Index, src2.Index);
    public void Vunpckhpd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_unpckhpd, dst.Index, src1.Index, src2);
    public void Vpacksswb(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_packsswb, dst.Index, src1.Index, src2.Index);
    public void Vpacksswb(Xmm dst, Xmm src1, Mem src2) => VexRM(s_packsswb, dst.Index, src1.Index, src2);
    public void Vpackuswb(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_packuswb, dst.Index, src1.Index, src2.Index);
    public void Vpackuswb(Xmm dst, Xmm src1, Mem src2) => VexRM(s_packuswb, dst.Index, src1.Index, src2);
    public void Vpackssdw(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_packssdw, dst.Index, src1.Index, src2.Index);
    public void Vpackssdw(Xmm dst, Xmm src1, Mem src2) => VexRM(s_packssdw, dst.Index, src1.Index, src2);
    public void Vpackusdw(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_packusdw, dst.Index, src1.Index, src2.Index);
    public void Vpackusdw(Xmm dst, Xmm src1, Mem src2) => VexRM(s_packusdw, dst.Index, src1.Index, src2);
    /// <summary>vpshufb dst, table, indices: byte i = table[indices[i] &amp; 15], or 0 where bit 7 of the index is set.</summary>
    public void Vpshufb(Xmm dst, Xmm table, Xmm indices) => VexRR(s_pshufb, dst.Index, table.Index, indices.Index);
    public void Vpshufb(Xmm dst, Xmm table, Mem indices) => VexRM(s_pshufb, dst.Index, table.Index, indices);

    // ---- integer arithmetic: dst = src1 op src2 ----
    public void Vpaddb(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_paddb, dst.Index, src1.Index, src2.Index);
    public void Vpaddb(Xmm dst, Xmm src1, Mem src2) => VexRM(s_paddb, dst.Index, src1.Index, src2);
    public void Vpaddw(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_paddw, dst.Index, src1.Index, src2.Index);
    public void Vpaddw(Xmm dst, Xmm src1, Mem src2) => VexRM(s_paddw, dst.Index, src1.Index, src2);
    public void Vpaddd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_paddd, dst.Index, src1.Index, src2.Index);
    public void Vpaddd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_paddd, dst.Index, src1.Index, src2);
    public void Vpaddq(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_paddq, dst.Index, src1.Index, src2.Index);
    public void Vpaddq(Xmm dst, Xmm src1, Mem src2) => VexRM(s_paddq, dst.Index, src1.Index, src2);
    public void Vpsubb(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_psubb, dst.Index, src1.Index, src2.Index);
    public void Vpsubb(Xmm dst, Xmm src1, Mem src2) => VexRM(s_psubb, dst.Index, src1.Index, src2);
    public void Vpsubw(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_psubw, dst.Index, src1.Index, src2.Index);
    public void Vpsubw(Xmm dst, Xmm src1, Mem src2) => VexRM(s_psubw, dst.Index, src1.Index, src2);
    public void Vpsubd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_psubd, dst.Index, src1.Index, src2.Index);
    public void Vpsubd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_psubd, dst.Index, src1.Index, src2);
    public void Vpsubq(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_psubq, dst.Index, src1.Index, src2.Index);
    public void Vpsubq(Xmm dst, Xmm src1, Mem src2) => VexRM(s_psubq, dst.Index, src1.Index, src2);
    public void Vpaddsb(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_paddsb, dst.Index, src1.Index, src2.Index);
    public void Vpaddsb(Xmm dst, Xmm src1, Mem src2) => VexRM(s_paddsb, dst.Index, src1.Index, src2);
    public void Vpaddsw(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_paddsw, dst.Index, src1.Index, src2.Index);
    public void Vpaddsw(Xmm dst, Xmm src1, Mem src2) => VexRM(s_paddsw, dst.Index, src1.Index, src2);
    public void Vpaddusb(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_paddusb, dst.Index, src1.Index, src2.Index);
    public void Vpaddusb(Xmm dst, Xmm src1, Mem src2) => VexRM(s_paddusb, dst.Index, src1.Index, src2);
    public void Vpaddusw(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_paddusw, dst.Index, src1.Index, src2.Index);
    public void Vpaddusw(Xmm dst, Xmm src1, Mem src2) => VexRM(s_paddusw, dst.Index, src1.Index, src2);
    public void Vpsubsb(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_psubsb, dst.Index, src1.Index, src2.Index);
    public void Vpsubsb(Xmm dst, Xmm src1, Mem src2) => VexRM(s_psubsb, dst.Index, src1.Index, src2);
    public void Vpsubsw(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_psubsw, dst.Index, src1.Index, src2.Index);
    public void Vpsubsw(Xmm dst, Xmm src1, Mem src2) => VexRM(s_psubsw, dst.Index, src1.Index, src2);
    public void Vpsubusb(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_psubusb, dst.Index, src1.Index, src2.Index);
    public void Vpsubusb(Xmm dst, Xmm src1, Mem src2) => VexRM(s_psubusb, dst.Index, src1.Index, src2);
    public void Vpsubusw(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_psubusw, dst.Index, src1.Index, src2.Index);
    public void Vpsubusw(Xmm dst, Xmm src1, Mem src2) => VexRM(s_psubusw, dst.Index, src1.Index, src2);
    public void Vpmullw(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pmullw, dst.Index, src1.Index, src2.Index);
    public void Vpmullw(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pmullw, dst.Index, src1.Index, src2);
    public void Vpmulld(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pmulld, dst.Index, src1.Index, src2.Index);
    public void Vpmulld(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pmulld, dst.Index, src1.Index, src2);
    public void Vpmuludq(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pmuludq, dst.Index, src1.Index, src2.Index);
    public void Vpmuludq(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pmuludq, dst.Index, src1.Index, src2);
    public void Vpmuldq(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pmuldq, dst.Index, src1.Index, src2.Index);
    public void Vpmuldq(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pmuldq, dst.Index, src1.Index, src2);
    public void Vpmulhw(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pmulhw, dst.Index, src1.Index, src2.Index);
    public void Vpmulhw(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pmulhw, dst.Index, src1.Index, src2);
    public void Vpmulhuw(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pmulhuw, dst.Index, src1.Index, src2.Index);
    public void Vpmulhuw(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pmulhuw, dst.Index, src1.Index, src2);
    public void Vpmulhrsw(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pmulhrsw, dst.Index, src1.Index, src2.Index);
    public void Vpmulhrsw(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pmulhrsw, dst.Index, src1.Index, src2);
    public void Vpmaddwd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pmaddwd, dst.Index, src1.Index, src2.Index);
    public void Vpmaddwd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pmaddwd, dst.Index, src1.Index, src2);
    public void Vpmaddubsw(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pmaddubsw, dst.Index, src1.Index, src2.Index);
    public void Vpmaddubsw(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pmaddubsw, dst.Index, src1.Index, src2);
    public void Vpminsb(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pminsb, dst.Index, src1.Index, src2.Index);
    public void Vpminsb(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pminsb, dst.Index, src1.Index, src2);
    public void Vpminsw(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pminsw, dst.Index, src1.Index, src2.Index);
    public void Vpminsw(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pminsw, dst.Index, src1.Index, src2);
    public void Vpminsd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pminsd, dst.Index, src1.Index, src2.Index);
    public void Vpminsd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pminsd, dst.Index, src1.Index, src2);
    public void Vpminub(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pminub, dst.Index, src1.Index, src2.Index);
    public void Vpminub(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pminub, dst.Index, src1.Index, src2);
    public void Vpminuw(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pminuw, dst.Index, src1.Index, src2.Index);
    public void Vpminuw(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pminuw, dst.Index, src1.Index, src2);
    public void Vpminud(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pminud, dst.Index, src1.Index, src2.Index);
    public void Vpminud(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pminud, dst.Index, src1.Index, src2);
    public void Vpmaxsb(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pmaxsb, dst.Index, src1.Index, src2.Index);
    public void Vpmaxsb(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pmaxsb, dst.Index, src1.Index, src2);
    public void Vpmaxsw(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pmaxsw, dst.Index, src1.Index, src2.Index);
    public void Vpmaxsw(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pmaxsw, dst.Index, src1.Index, src2);
    public void Vpmaxsd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pmaxsd, dst.Index, src1.Index, src2.Index);
    public void Vpmaxsd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pmaxsd, dst.Index, src1.Index, src2);
    public void Vpmaxub(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pmaxub, dst.Index, src1.Index, src2.Index);
    public void Vpmaxub(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pmaxub, dst.Index, src1.Index, src2);
    public void Vpmaxuw(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pmaxuw, dst.Index, src1.Index, src2.Index);
    public void Vpmaxuw(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pmaxuw, dst.Index, src1.Index, src2);
    public void Vpmaxud(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pmaxud, dst.Index, src1.Index, src2.Index);
    public void Vpmaxud(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pmaxud, dst.Index, src1.Index, src2);
    public void Vpavgb(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pavgb, dst.Index, src1.Index, src2.Index);
    public void Vpavgb(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pavgb, dst.Index, src1.Index, src2);
    public void Vpavgw(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pavgw, dst.Index, src1.Index, src2.Index);
    public void Vpavgw(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pavgw, dst.Index, src1.Index, src2);
    public void Vpsignb(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_psignb, dst.Index, src1.Index, src2.Index);
    public void Vpsignb(Xmm dst, Xmm src1, Mem src2) => VexRM(s_psignb, dst.Index, src1.Index, src2);
    public void Vpsignw(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_psignw, dst.Index, src1.Index, src2.Index);
    public void Vpsignw(Xmm dst, Xmm src1, Mem src2) => VexRM(s_psignw, dst.Index, src1.Index, src2);
    public void Vpsignd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_psignd, dst.Index, src1.Index, src2.Index);
    public void Vpsignd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_psignd, dst.Index, src1.Index, src2);

    // ---- integer compares: dst = src1 op src2 ----
    public void Vpcmpeqb(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pcmpeqb, dst.Index, src1.Index, src2.Index);
    public void Vpcmpeqb(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pcmpeqb, dst.Index, src1.Index, src2);
    public void Vpcmpeqw(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pcmpeqw, dst.Index, src1.Index, src2.Index);
    public void Vpcmpeqw(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pcmpeqw, dst.Index, src1.Index, src2);
    public void Vpcmpeqd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pcmpeqd, dst.Index, src1.Index, src2.Index);
    public void Vpcmpeqd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pcmpeqd, dst.Index, src1.Index, src2);
    public void Vpcmpeqq(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pcmpeqq, dst.Index, src1.Index, src2.Index);
    public void Vpcmpeqq(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pcmpeqq, dst.Index, src1.Index, src2);
    public void Vpcmpgtb(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pcmpgtb, dst.Index, src1.Index, src2.Index);
    public void Vpcmpgtb(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pcmpgtb, dst.Index, src1.Index, src2);
    public void Vpcmpgtw(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pcmpgtw, dst.Index, src1.Index, src2.Index);
    public void Vpcmpgtw(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pcmpgtw, dst.Index, src1.Index, src2);
    public void Vpcmpgtd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pcmpgtd, dst.Index, src1.Index, src2.Index);
    public void Vpcmpgtd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pcmpgtd, dst.Index, src1.Index, src2);
    public void Vpcmpgtq(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pcmpgtq, dst.Index, src1.Index, src2.Index);
    public void Vpcmpgtq(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pcmpgtq, dst.Index, src1.Index, src2);

    // ---- bitwise logic: dst = src1 op src2 ----
    /// <summary>vpandn dst, src1, src2: dst = ~src1 &amp; src2 (likewise vandnps, vandnpd).</summary>
    public void Vpand(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pand, dst.Index, src1.Index, src2.Index);
    public void Vpand(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pand, dst.Index, src1.Index, src2);
    public void Vpandn(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pandn, dst.Index, src1.Index, src2.Index);
    public void Vpandn(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pandn, dst.Index, src1.Index, src2);
    public void Vpor(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_por, dst.Index, src1.Index, src2.Index);
    public void Vpor(Xmm dst, Xmm src1, Mem src2) => VexRM(s_por, dst.Index, src1.Index, src2);
    public void Vpxor(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_pxor, dst.Index, src1.Index, src2.Index);
    public void Vpxor(Xmm dst, Xmm src1, Mem src2) => VexRM(s_pxor, dst.Index, src1.Index, src2);
    public void Vandps(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_andps, dst.Index, src1.Index, src2.Index);
    public void Vandps(Xmm dst, Xmm src1, Mem src2) => VexRM(s_andps, dst.Index, src1.Index, src2);
    public void Vandpd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_andpd, dst.Index, src1.Index, src2.Index);
    public void Vandpd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_andpd, dst.Index, src1.Index, src2);
    public void Vandnps(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_andnps, dst.Index, src1.Index, src2.Index);
    public void Vandnps(Xmm dst, Xmm src1, Mem src2) => VexRM(s_andnps, dst.Index, src1.Index, src2);
    public void Vandnpd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_andnpd, dst.Index, src1.Index, src2.Index);
    public void Vandnpd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_andnpd, dst.Index, src1.Index, src2);
    public void Vorps(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_orps, dst.Index, src1.Index, src2.Index);
    public void Vorps(Xmm dst, Xmm src1, Mem src2) => VexRM(s_orps, dst.Index, src1.Index, src2);
    public void Vorpd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_orpd, dst.Index, src1.Index, src2.Index);
    public void Vorpd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_orpd, dst.Index, src1.Index, src2);
    public void Vxorps(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_xorps, dst.Index, src1.Index, src2.Index);
    public void Vxorps(Xmm dst, Xmm src1, Mem src2) => VexRM(s_xorps, dst.Index, src1.Index, src2);
    public void Vxorpd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_xorpd, dst.Index, src1.Index, src2.Index);
    public void Vxorpd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_xorpd, dst.Index, src1.Index, src2);

    // ---- packed float arithmetic: dst = src1 op src2 ----
    public void Vaddps(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_addps, dst.Index, src1.Index, src2.Index);
    public void Vaddps(Xmm dst, Xmm src1, Mem src2) => VexRM(s_addps, dst.Index, src1.Index, src2);
    public void Vaddpd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_addpd, dst.Index, src1.Index, src2.Index);
    public void Vaddpd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_addpd, dst.Index, src1.Index, src2);
    public void Vsubps(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_subps, dst.Index, src1.Index, src2.Index);
    public void Vsubps(Xmm dst, Xmm src1, Mem src2) => VexRM(s_subps, dst.Index, src1.Index, src2);
    public void Vsubpd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_subpd, dst.Index, src1.Index, src2.Index);
    public void Vsubpd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_subpd, dst.Index, src1.Index, src2);
    public void Vmulps(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_mulps, dst.Index, src1.Index, src2.Index);
    public void Vmulps(Xmm dst, Xmm src1, Mem src2) => VexRM(s_mulps, dst.Index, src1.Index, src2);
    public void Vmulpd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_mulpd, dst.Index, src1.Index, src2.Index);
    public void Vmulpd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_mulpd, dst.Index, src1.Index, src2);
    public void Vdivps(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_divps, dst.Index, src1.Index, src2.Index);
    public void Vdivps(Xmm dst, Xmm src1, Mem src2) => VexRM(s_divps, dst.Index, src1.Index, src2);
    public void Vdivpd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_divpd, dst.Index, src1.Index, src2.Index);
    public void Vdivpd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_divpd, dst.Index, src1.Index, src2);
    public void Vminps(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_minps, dst.Index, src1.Index, src2.Index);
    public void Vminps(Xmm dst, Xmm src1, Mem src2) => VexRM(s_minps, dst.Index, src1.Index, src2);
    public void Vminpd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_minpd, dst.Index, src1.Index, src2.Index);
    public void Vminpd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_minpd, dst.Index, src1.Index, src2);
    public void Vmaxps(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_maxps, dst.Index, src1.Index, src2.Index);
    public void Vmaxps(Xmm dst, Xmm src1, Mem src2) => VexRM(s_maxps, dst.Index, src1.Index, src2);
    public void Vmaxpd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_maxpd, dst.Index, src1.Index, src2.Index);
    public void Vmaxpd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_maxpd, dst.Index, src1.Index, src2);
    public void Vhaddps(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_haddps, dst.Index, src1.Index, src2.Index);
    public void Vhaddps(Xmm dst, Xmm src1, Mem src2) => VexRM(s_haddps, dst.Index, src1.Index, src2);
    public void Vhaddpd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_haddpd, dst.Index, src1.Index, src2.Index);
    public void Vhaddpd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_haddpd, dst.Index, src1.Index, src2);

    // ---- shifts: dst = src shifted by the low 64 bits of count, or by an immediate (vvvv holds dst, ModRM.reg the group digit) ----

    public void Vpsllw(Xmm dst, Xmm src, Xmm count) => VexRR(s_psllw, dst.Index, src.Index, count.Index);
    public void Vpsllw(Xmm dst, Xmm src, Mem count) => VexRM(s_psllw, dst.Index, src.Index, count);
    public void Vpsllw(Xmm dst, Xmm src, byte count) => VexGroupRI(s_psllwImm, dst.Index, src.Index, count);
    public void Vpslld(Xmm dst, Xmm src, Xmm count) => VexRR(s_pslld, dst.Index, src.Index, count.Index);
    public void Vpslld(Xmm dst, Xmm src, Mem count) => VexRM(s_pslld, dst.Index, src.Index, count);
    public void Vpslld(Xmm dst, Xmm src, byte count) => VexGroupRI(s_pslldImm, dst.Index, src.Index, count);
    public void Vpsllq(Xmm dst, Xmm src, Xmm count) => VexRR(s_psllq, dst.Index, src.Index, count.Index);
    public void Vpsllq(Xmm dst, Xmm src, Mem count) => VexRM(s_psllq, dst.Index, src.Index, count);
    public void Vpsllq(Xmm dst, Xmm src, byte count) => VexGroupRI(s_psllqImm, dst.Index, src.Index, count);
    public void Vpsrlw(Xmm dst, Xmm src, Xmm count) => VexRR(s_psrlw, dst.Index, src.Index, count.Index);
    public void Vpsrlw(Xmm dst, Xmm src, Mem count) => VexRM(s_psrlw, dst.Index, src.Index, count);
    public void Vpsrlw(Xmm dst, Xmm src, byte count) => VexGroupRI(s_psrlwImm, dst.Index, src.Index, count);
    public void Vpsrld(Xmm dst, Xmm src, Xmm count) => VexRR(s_psrld, dst.Index, src.Index, count.Index);
    public void Vpsrld(Xmm dst, Xmm src, Mem count) => VexRM(s_psrld, dst.Index, src.Index, count);
    public void Vpsrld(Xmm dst, Xmm src, byte count) => VexGroupRI(s_psrldImm, dst.Index, src.Index, count);
    public void Vpsrlq(Xmm dst, Xmm src, Xmm count) => VexRR(s_psrlq, dst.Index, src.Index, count.Index);
    public void Vpsrlq(Xmm dst, Xmm src, Mem count) => VexRM(s_psrlq, dst.Index, src.Index, count);
    public void Vpsrlq(Xmm dst, Xmm src, byte count) => VexGroupRI(s_psrlqImm, dst.Index, src.Index, count);
    public void Vpsraw(Xmm dst, Xmm src, Xmm count) => VexRR(s_psraw, dst.Index, src.Index, count.Index);
    public void Vpsraw(Xmm dst, Xmm src, Mem count) => VexRM(s_psraw, dst.Index, src.Index, count);
    public void Vpsraw(Xmm dst, Xmm src, byte count) => VexGroupRI(s_psrawImm, dst.Index, src.Index, count);
    public void Vpsrad(Xmm dst, Xmm src, Xmm count) => VexRR(s_psrad, dst.Index, src.Index, count.Index);
    public void Vpsrad(Xmm dst, Xmm src, Mem count) => VexRM(s_psrad, dst.Index, src.Index, count);
    public void Vpsrad(Xmm dst, Xmm src, byte count) => VexGroupRI(s_psradImm, dst.Index, src.Index, count);
    /// <summary>vpslldq dst, src, bytes: src shifted left by whole bytes (16 or more gives zero).</summary>
    public void Vpslldq(Xmm dst, Xmm src, byte bytes) => VexGroupRI(s_pslldq, dst.Index, src.Index, bytes);
    public void Vpsrldq(Xmm dst, Xmm src, byte bytes) => VexGroupRI(s_psrldq, dst.Index, src.Index, bytes);

    // ---- forms with an immediate ----

    /// <summary>vcmpps dst, src1, src2, predicate: every predicate, including the VEX-only greater-than forms.</summary>
    public void Vcmpps(Xmm dst, Xmm src1, Xmm src2, FloatComparison predicate) =>
        VexRRI(s_cmpps, dst.Index, src1.Index, src2.Index, VexPredicate(predicate, "vcmpps"));
    public void Vcmpps(Xmm dst, Xmm src1, Mem src2, FloatComparison predicate) =>
        VexRMI(s_cmpps, dst.Index, src1.Index, src2, VexPredicate(predicate, "vcmpps"));
    public void Vcmppd(Xmm dst, Xmm src1, Xmm src2, FloatComparison predicate) =>
        VexRRI(s_cmppd, dst.Index, src1.Index, src2.Index, VexPredicate(predicate, "vcmppd"));
    public void Vcmppd(Xmm dst, Xmm src1, Mem src2, FloatComparison predicate) =>
        VexRMI(s_cmppd, dst.Index, src1.Index, src2, VexPredicate(predicate, "vcmppd"));

    public void Vshufps(Xmm dst, Xmm src1, Xmm src2, byte order) => VexRRI(s_shufps, dst.Index, src1.Index, src2.Index, order);
    public void Vshufps(Xmm dst, Xmm src1, Mem src2, byte order) => VexRMI(s_shufps, dst.Index, src1.Index, src2, order);
    public void Vshufpd(Xmm dst, Xmm src1, Xmm src2, byte order) =>
        VexRRI(s_shufpd, dst.Index, src1.Index, src2.Index, Mask(order, 2, "vshufpd"));
    public void Vshufpd(Xmm dst, Xmm src1, Mem src2, byte order) => VexRMI(s_shufpd, dst.Index, src1.Index, src2, Mask(order, 2, "vshufpd"));
    public void Vpalignr(Xmm dst, Xmm src1, Xmm src2, byte bytes) => VexRRI(s_palignr, dst.Index, src1.Index, src2.Index, bytes);
    public void Vpalignr(Xmm dst, Xmm src1, Mem src2, byte bytes) => VexRMI(s_palignr, dst.Index, src1.Index, src2, bytes);
    public void Vpblendw(Xmm dst, Xmm src1, Xmm src2, byte mask) => VexRRI(s_pblendw, dst.Index, src1.Index, src2.Index, mask);
    public void Vpblendw(Xmm dst, Xmm src1, Mem src2, byte mask) => VexRMI(s_pblendw, dst.Index, src1.Index, src2, mask);
    public void Vblendps(Xmm dst, Xmm src1, Xmm src2, byte mask) =>
        VexRRI(s_blendps, dst.Index, src1.Index, src2.Index, Mask(mask, 4, "vblendps"));
    public void Vblendps(Xmm dst, Xmm src1, Mem src2, byte mask) => VexRMI(s_blendps, dst.Index, src1.Index, src2, Mask(mask, 4, "vblendps"));
    public void Vblendpd(Xmm dst, Xmm src1, Xmm src2, byte mask) =>
        VexRRI(s_blendpd, dst.Index, src1.Index, src2.Index, Mask(mask, 2, "vblendpd"));
    public void Vblendpd(Xmm dst, Xmm src1, Mem src2, byte mask) => VexRMI(s_blendpd, dst.Index, src1.Index, src2, Mask(mask, 2, "vblendpd"));
    /// <summary>vinsertps dst, src1, src2, control: as insertps into a copy of src1.</summary>
    public void Vinsertps(Xmm dst, Xmm src1, Xmm src2, byte control) => VexRRI(s_insertps, dst.Index, src1.Index, src2.Index, control);
    public void Vinsertps(Xmm dst, Xmm src1, Mem src2, byte control) => VexRMI(s_insertps, dst.Index, src1.Index, src2, control);

    /// <summary>vpinsrb dst, src1, r32, lane: a copy of src1 with one byte lane replaced (i8x16.replace_lane).</summary>
    public void Vpinsrb(Xmm dst, Xmm src1, Gpr src2, byte lane) =>
        VexRRI(s_pinsrb, dst.Index, src1.Index, src2.Index, Lane(lane, 16, "vpinsrb"));
    public void Vpinsrb(Xmm dst, Xmm src1, Mem src2, byte lane) => VexRMI(s_pinsrb, dst.Index, src1.Index, src2, Lane(lane, 16, "vpinsrb"));
    public void Vpinsrw(Xmm dst, Xmm src1, Gpr src2, byte lane) =>
        VexRRI(s_pinsrw, dst.Index, src1.Index, src2.Index, Lane(lane, 8, "vpinsrw"));
    public void Vpinsrw(Xmm dst, Xmm src1, Mem src2, byte lane) => VexRMI(s_pinsrw, dst.Index, src1.Index, src2, Lane(lane, 8, "vpinsrw"));
    public void Vpinsrd(Xmm dst, Xmm src1, Gpr src2, byte lane) =>
        VexRRI(s_pinsrd, dst.Index, src1.Index, src2.Index, Lane(lane, 4, "vpinsrd"));
    public void Vpinsrd(Xmm dst, Xmm src1, Mem src2, byte lane) => VexRMI(s_pinsrd, dst.Index, src1.Index, src2, Lane(lane, 4, "vpinsrd"));
    public void Vpinsrq(Xmm dst, Xmm src1, Gpr src2, byte lane) =>
        VexRRI(s_pinsrq, dst.Index, src1.Index, src2.Index, Lane(lane, 2, "vpinsrq"), RexW);
    public void Vpinsrq(Xmm dst, Xmm src1, Mem src2, byte lane) =>
        VexRMI(s_pinsrq, dst.Index, src1.Index, src2, Lane(lane, 2, "vpinsrq"), RexW);

    // ---- variable blends: dst = mask ? src2 : src1, by the top bit of each mask lane ----

    /// <summary>vpblendvb dst, src1, src2, mask: byte i = src2 where bit 7 of mask byte i is set, else src1 (v128.bitselect on masks).</summary>
    public void Vpblendvb(Xmm dst, Xmm src1, Xmm src2, Xmm mask) => VexRRI(s_vpblendvb, dst.Index, src1.Index, src2.Index, mask.Index << 4);
    public void Vpblendvb(Xmm dst, Xmm src1, Mem src2, Xmm mask) => VexRMI(s_vpblendvb, dst.Index, src1.Index, src2, mask.Index << 4);
    public void Vblendvps(Xmm dst, Xmm src1, Xmm src2, Xmm mask) => VexRRI(s_vblendvps, dst.Index, src1.Index, src2.Index, mask.Index << 4);
    public void Vblendvps(Xmm dst, Xmm src1, Mem src2, Xmm mask) => VexRMI(s_vblendvps, dst.Index, src1.Index, src2, mask.Index << 4);
    public void Vblendvpd(Xmm dst, Xmm src1, Xmm src2, Xmm mask) => VexRRI(s_vblendvpd, dst.Index, src1.Index, src2.Index, mask.Index << 4);
    public void Vblendvpd(Xmm dst, Xmm src1, Mem src2, Xmm mask) => VexRMI(s_vblendvpd, dst.Index, src1.Index, src2, mask.Index << 4);

    // ---- scalar f32/f64: dst = src1 op src2 in the low lane, the upper lanes of src1 ----

    public void Vaddss(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_vaddss, dst.Index, src1.Index, src2.Index);
    public void Vaddss(Xmm dst, Xmm src1, Mem src2) => VexRM(s_vaddss, dst.Index, src1.Index, src2);
    public void Vaddsd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_vaddsd, dst.Index, src1.Index, src2.Index);
    public void Vaddsd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_vaddsd, dst.Index, src1.Index, src2);
    public void Vsubss(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_vsubss, dst.Index, src1.Index, src2.Index);
    public void Vsubss(Xmm dst, Xmm src1, Mem src2) => VexRM(s_vsubss, dst.Index, src1.Index, src2);
    public void Vsubsd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_vsubsd, dst.Index, src1.Index, src2.Index);
    public void Vsubsd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_vsubsd, dst.Index, src1.Index, src2);
    public void Vmulss(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_vmulss, dst.Index, src1.Index, src2.Index);
    public void Vmulss(Xmm dst, Xmm src1, Mem src2) => VexRM(s_vmulss, dst.Index, src1.Index, src2);
    public void Vmulsd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_vmulsd, dst.Index, src1.Index, src2.Index);
    public void Vmulsd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_vmulsd, dst.Index, src1.Index, src2);
    public void Vdivss(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_vdivss, dst.Index, src1.Index, src2.Index);
    public void Vdivss(Xmm dst, Xmm src1, Mem src2) => VexRM(s_vdivss, dst.Index, src1.Index, src2);
    public void Vdivsd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_vdivsd, dst.Index, src1.Index, src2.Index);
    public void Vdivsd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_vdivsd, dst.Index, src1.Index, src2);
    /// <summary>vsqrtss dst, src1, src2: the square root of src2's low lane, the upper lanes of src1.</summary>
    public void Vsqrtss(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_vsqrtss, dst.Index, src1.Index, src2.Index);
    public void Vsqrtss(Xmm dst, Xmm src1, Mem src2) => VexRM(s_vsqrtss, dst.Index, src1.Index, src2);
    public void Vsqrtsd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_vsqrtsd, dst.Index, src1.Index, src2.Index);
    public void Vsqrtsd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_vsqrtsd, dst.Index, src1.Index, src2);
    /// <summary>vcvtss2sd dst, src1, src2: src2's low f32 widened, the upper half of src1.</summary>
    public void Vcvtss2sd(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_vcvtss2sd, dst.Index, src1.Index, src2.Index);
    public void Vcvtss2sd(Xmm dst, Xmm src1, Mem src2) => VexRM(s_vcvtss2sd, dst.Index, src1.Index, src2);
    /// <summary>vcvtsd2ss dst, src1, src2: src2's low f64 narrowed, the upper three lanes of src1.</summary>
    public void Vcvtsd2ss(Xmm dst, Xmm src1, Xmm src2) => VexRR(s_vcvtsd2ss, dst.Index, src1.Index, src2.Index);
    public void Vcvtsd2ss(Xmm dst, Xmm src1, Mem src2) => VexRM(s_vcvtsd2ss, dst.Index, src1.Index, src2);

    /// <summary>vcvtsi2ss dst, src1, src2: a signed 32- or 64-bit integer to f32, the upper lanes of src1.</summary>
    public void Vcvtsi2ss(Xmm dst, Xmm src1, OperandSize srcSize, Gpr src2)
    {
        CheckSize32Or64("vcvtsi2ss", srcSize);
        VexRR(s_vcvtsi2ss, dst.Index, src1.Index, src2.Index, SizeW(srcSize));
    }

    public void Vcvtsi2ss(Xmm dst, Xmm src1, OperandSize srcSize, Mem src2)
    {
        CheckSize32Or64("vcvtsi2ss", srcSize);
        VexRM(s_vcvtsi2ss, dst.Index, src1.Index, src2, SizeW(srcSize));
    }

    /// <summary>vcvtsi2sd dst, src1, src2: a signed 32- or 64-bit integer to f64, the upper half of src1.</summary>
    public void Vcvtsi2sd(Xmm dst, Xmm src1, OperandSize srcSize, Gpr src2)
    {
        CheckSize32Or64("vcvtsi2sd", srcSize);
        VexRR(s_vcvtsi2sd, dst.Index, src1.Index, src2.Index, SizeW(srcSize));
    }

    public void Vcvtsi2sd(Xmm dst, Xmm src1, OperandSize srcSize, Mem src2)
    {
        CheckSize32Or64("vcvtsi2sd", srcSize);
        VexRM(s_vcvtsi2sd, dst.Index, src1.Index, src2, SizeW(srcSize));
    }

    /// <summary>vroundss dst, src1, src2, mode: src2's low lane rounded, the upper lanes of src1.</summary>
    public void Vroundss(Xmm dst, Xmm src1, Xmm src2, RoundingMode mode) => VexRRI(s_vroundss, dst.Index, src1.Index, src2.Index, (int)mode);
    public void Vroundss(Xmm dst, Xmm src1, Mem src2, RoundingMode mode) => VexRMI(s_vroundss, dst.Index, src1.Index, src2, (int)mode);
    public void Vroundsd(Xmm dst, Xmm src1, Xmm src2, RoundingMode mode) => VexRRI(s_vroundsd, dst.Index, src1.Index, src2.Index, (int)mode);
    public void Vroundsd(Xmm dst, Xmm src1, Mem src2, RoundingMode mode) => VexRMI(s_vroundsd, dst.Index, src1.Index, src2, (int)mode);
}
