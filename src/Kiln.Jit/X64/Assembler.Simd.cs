namespace Kiln.Jit.X64;

// Packed 128-bit (v128) forms of SSE2, SSE3, SSSE3, SSE4.1 and SSE4.2, legacy encoding. Every
// instruction is one row of the opcode table below (mnemonic, mandatory prefix, opcode with its map,
// the extension the legacy form needs) and one-line methods that hand the row and their operands to a
// few shared emitters; the VEX twins in Assembler.Avx.cs read the same rows, so an opcode is written
// down once. The emitters check the row's extension before writing anything.
//
// Legacy packed memory operands must be 16-byte aligned (#GP otherwise), except movdqu/movups and the
// forms that read fewer than 16 bytes (pmovsx/pmovzx, pinsr, insertps, movddup, cvtdq2pd, cvtps2pd);
// the constant pool aligns 128-bit entries, and Wasm memory is reached with movdqu. VEX forms other
// than vmovdqa/vmovaps have no alignment requirement.
public sealed partial class Assembler
{
    /// <summary>
    /// One row of the vector opcode table. <see cref="Extension"/> is the ModRM.reg digit of the
    /// shift-by-immediate groups (0x71..0x73), which take no register there.
    /// </summary>
    private readonly struct SimdOp(string mnemonic, int prefix, int opcode, CpuFeature feature = CpuFeature.None, int extension = 0)
    {
        public readonly string Mnemonic = mnemonic;
        public readonly int Prefix = prefix;
        public readonly int Opcode = opcode;
        public readonly CpuFeature Feature = feature;
        public readonly int Extension = extension;
    }

    private const CpuFeature Sse2 = CpuFeature.None;
    private const CpuFeature Sse3 = CpuFeature.Sse3;
    private const CpuFeature Ssse3 = CpuFeature.Ssse3;
    private const CpuFeature Sse41 = CpuFeature.Sse41;
    private const CpuFeature Sse42 = CpuFeature.Sse42;

    // ---- map 0F ----

    private static readonly SimdOp s_movupsLoad = new("movups", Ps, 0x0F10);
    private static readonly SimdOp s_movupsStore = new("movups", Ps, 0x0F11);
    private static readonly SimdOp s_movhlps = new("movhlps", Ps, 0x0F12);
    private static readonly SimdOp s_movddup = new("movddup", Sd, 0x0F12, Sse3);
    private static readonly SimdOp s_unpcklps = new("unpcklps", Ps, 0x0F14);
    private static readonly SimdOp s_unpcklpd = new("unpcklpd", Pd, 0x0F14);
    private static readonly SimdOp s_unpckhps = new("unpckhps", Ps, 0x0F15);
    private static readonly SimdOp s_unpckhpd = new("unpckhpd", Pd, 0x0F15);
    private static readonly SimdOp s_movlhps = new("movlhps", Ps, 0x0F16);
    private static readonly SimdOp s_movapsLoad = new("movaps", Ps, 0x0F28);
    private static readonly SimdOp s_movapsStore = new("movaps", Ps, 0x0F29);
    private static readonly SimdOp s_movmskps = new("movmskps", Ps, 0x0F50);
    private static readonly SimdOp s_movmskpd = new("movmskpd", Pd, 0x0F50);
    private static readonly SimdOp s_sqrtps = new("sqrtps", Ps, 0x0F51);
    private static readonly SimdOp s_sqrtpd = new("sqrtpd", Pd, 0x0F51);
    private static readonly SimdOp s_andps = new("andps", Ps, 0x0F54);
    private static readonly SimdOp s_andpd = new("andpd", Pd, 0x0F54);
    private static readonly SimdOp s_andnps = new("andnps", Ps, 0x0F55);
    private static readonly SimdOp s_andnpd = new("andnpd", Pd, 0x0F55);
    private static readonly SimdOp s_orps = new("orps", Ps, 0x0F56);
    private static readonly SimdOp s_orpd = new("orpd", Pd, 0x0F56);
    private static readonly SimdOp s_xorps = new("xorps", Ps, 0x0F57);
    private static readonly SimdOp s_xorpd = new("xorpd", Pd, 0x0F57);
    private static readonly SimdOp s_addps = new("addps", Ps, 0x0F58);
    private static readonly SimdOp s_addpd = new("addpd", Pd, 0x0F58);
    private static readonly SimdOp s_mulps = new("mulps", Ps, 0x0F59);
    private static readonly SimdOp s_mulpd = new("mulpd", Pd, 0x0F59);
    private static readonly SimdOp s_cvtps2pd = new("cvtps2pd", Ps, 0x0F5A);
    private static readonly SimdOp s_cvtpd2ps = new("cvtpd2ps", Pd, 0x0F5A);
    private static readonly SimdOp s_cvtdq2ps = new("cvtdq2ps", Ps, 0x0F5B);
    private static readonly SimdOp s_cvtps2dq = new("cvtps2dq", Pd, 0x0F5B);
    private static readonly SimdOp s_cvttps2dq = new("cvttps2dq", Ss, 0x0F5B);
    private static readonly SimdOp s_subps = new("subps", Ps, 0x0F5C);
    private static readonly SimdOp s_subpd = new("subpd", Pd, 0x0F5C);
    private static readonly SimdOp s_minps = new("minps", Ps, 0x0F5D);
    private static readonly SimdOp s_minpd = new("minpd", Pd, 0x0F5D);
    private static readonly SimdOp s_divps = new("divps", Ps, 0x0F5E);
    private static readonly SimdOp s_divpd = new("divpd", Pd, 0x0F5E);
    private static readonly SimdOp s_maxps = new("maxps", Ps, 0x0F5F);
    private static readonly SimdOp s_maxpd = new("maxpd", Pd, 0x0F5F);
    private static readonly SimdOp s_punpcklbw = new("punpcklbw", Pd, 0x0F60);
    private static readonly SimdOp s_punpcklwd = new("punpcklwd", Pd, 0x0F61);
    private static readonly SimdOp s_punpckldq = new("punpckldq", Pd, 0x0F62);
    private static readonly SimdOp s_packsswb = new("packsswb", Pd, 0x0F63);
    private static readonly SimdOp s_pcmpgtb = new("pcmpgtb", Pd, 0x0F64);
    private static readonly SimdOp s_pcmpgtw = new("pcmpgtw", Pd, 0x0F65);
    private static readonly SimdOp s_pcmpgtd = new("pcmpgtd", Pd, 0x0F66);
    private static readonly SimdOp s_packuswb = new("packuswb", Pd, 0x0F67);
    private static readonly SimdOp s_punpckhbw = new("punpckhbw", Pd, 0x0F68);
    private static readonly SimdOp s_punpckhwd = new("punpckhwd", Pd, 0x0F69);
    private static readonly SimdOp s_punpckhdq = new("punpckhdq", Pd, 0x0F6A);
    private static readonly SimdOp s_packssdw = new("packssdw", Pd, 0x0F6B);
    private static readonly SimdOp s_punpcklqdq = new("punpcklqdq", Pd, 0x0F6C);
    private static readonly SimdOp s_punpckhqdq = new("punpckhqdq", Pd, 0x0F6D);
    private static readonly SimdOp s_movdqaLoad = new("movdqa", Pd, 0x0F6F);
    private static readonly SimdOp s_movdquLoad = new("movdqu", Ss, 0x0F6F);
    private static readonly SimdOp s_pshufd = new("pshufd", Pd, 0x0F70);
    private static readonly SimdOp s_pshufhw = new("pshufhw", Ss, 0x0F70);
    private static readonly SimdOp s_pshuflw = new("pshuflw", Sd, 0x0F70);
    private static readonly SimdOp s_psrlwImm = new("psrlw", Pd, 0x0F71, Sse2, 2);
    private static readonly SimdOp s_psrawImm = new("psraw", Pd, 0x0F71, Sse2, 4);
    private static readonly SimdOp s_psllwImm = new("psllw", Pd, 0x0F71, Sse2, 6);
    private static readonly SimdOp s_psrldImm = new("psrld", Pd, 0x0F72, Sse2, 2);
    private static readonly SimdOp s_psradImm = new("psrad", Pd, 0x0F72, Sse2, 4);
    private static readonly SimdOp s_pslldImm = new("pslld", Pd, 0x0F72, Sse2, 6);
    private static readonly SimdOp s_psrlqImm = new("psrlq", Pd, 0x0F73, Sse2, 2);
    private static readonly SimdOp s_psrldq = new("psrldq", Pd, 0x0F73, Sse2, 3);
    private static readonly SimdOp s_psllqImm = new("psllq", Pd, 0x0F73, Sse2, 6);
    private static readonly SimdOp s_pslldq = new("pslldq", Pd, 0x0F73, Sse2, 7);
    private static readonly SimdOp s_pcmpeqb = new("pcmpeqb", Pd, 0x0F74);
    private static readonly SimdOp s_pcmpeqw = new("pcmpeqw", Pd, 0x0F75);
    private static readonly SimdOp s_pcmpeqd = new("pcmpeqd", Pd, 0x0F76);
    private static readonly SimdOp s_haddpd = new("haddpd", Pd, 0x0F7C, Sse3);
    private static readonly SimdOp s_haddps = new("haddps", Sd, 0x0F7C, Sse3);
    private static readonly SimdOp s_movdqaStore = new("movdqa", Pd, 0x0F7F);
    private static readonly SimdOp s_movdquStore = new("movdqu", Ss, 0x0F7F);
    private static readonly SimdOp s_cmpps = new("cmpps", Ps, 0x0FC2);
    private static readonly SimdOp s_cmppd = new("cmppd", Pd, 0x0FC2);
    private static readonly SimdOp s_pinsrw = new("pinsrw", Pd, 0x0FC4);
    private static readonly SimdOp s_pextrw = new("pextrw", Pd, 0x0FC5);
    private static readonly SimdOp s_shufps = new("shufps", Ps, 0x0FC6);
    private static readonly SimdOp s_shufpd = new("shufpd", Pd, 0x0FC6);
    private static readonly SimdOp s_psrlw = new("psrlw", Pd, 0x0FD1);
    private static readonly SimdOp s_psrld = new("psrld", Pd, 0x0FD2);
    private static readonly SimdOp s_psrlq = new("psrlq", Pd, 0x0FD3);
    private static readonly SimdOp s_paddq = new("paddq", Pd, 0x0FD4);
    private static readonly SimdOp s_pmullw = new("pmullw", Pd, 0x0FD5);
    private static readonly SimdOp s_pmovmskb = new("pmovmskb", Pd, 0x0FD7);
    private static readonly SimdOp s_psubusb = new("psubusb", Pd, 0x0FD8);
    private static readonly SimdOp s_psubusw = new("psubusw", Pd, 0x0FD9);
    private static readonly SimdOp s_pminub = new("pminub", Pd, 0x0FDA);
    private static readonly SimdOp s_pand = new("pand", Pd, 0x0FDB);
    private static readonly SimdOp s_paddusb = new("paddusb", Pd, 0x0FDC);
    private static readonly SimdOp s_paddusw = new("paddusw", Pd, 0x0FDD);
    private static readonly SimdOp s_pmaxub = new("pmaxub", Pd, 0x0FDE);
    private static readonly SimdOp s_pandn = new("pandn", Pd, 0x0FDF);
    private static readonly SimdOp s_pavgb = new("pavgb", Pd, 0x0FE0);
    private static readonly SimdOp s_psraw = new("psraw", Pd, 0x0FE1);
    private static readonly SimdOp s_psrad = new("psrad", Pd, 0x0FE2);
    private static readonly SimdOp s_pavgw = new("pavgw", Pd, 0x0FE3);
    private static readonly SimdOp s_pmulhuw = new("pmulhuw", Pd, 0x0FE4);
    private static readonly SimdOp s_pmulhw = new("pmulhw", Pd, 0x0FE5);
    private static readonly SimdOp s_cvttpd2dq = new("cvttpd2dq", Pd, 0x0FE6);
    private static readonly SimdOp s_cvtdq2pd = new("cvtdq2pd", Ss, 0x0FE6);
    private static readonly SimdOp s_psubsb = new("psubsb", Pd, 0x0FE8);
    private static readonly SimdOp s_psubsw = new("psubsw", Pd, 0x0FE9);
    private static readonly SimdOp s_pminsw = new("pminsw", Pd, 0x0FEA);
    private static readonly SimdOp s_por = new("por", Pd, 0x0FEB);
    private static readonly SimdOp s_paddsb = new("paddsb", Pd, 0x0FEC);
    private static readonly SimdOp s_paddsw = new("paddsw", Pd, 0x0FED);
    private static readonly SimdOp s_pmaxsw = new("pmaxsw", Pd, 0x0FEE);
    private static readonly SimdOp s_pxor = new("pxor", Pd, 0x0FEF);
    private static readonly SimdOp s_psllw = new("psllw", Pd, 0x0FF1);
    private static readonly SimdOp s_pslld = new("pslld", Pd, 0x0FF2);
    private static readonly SimdOp s_psllq = new("psllq", Pd, 0x0FF3);
    private static readonly SimdOp s_pmuludq = new("pmuludq", Pd, 0x0FF4);
    private static readonly SimdOp s_pmaddwd = new("pmaddwd", Pd, 0x0FF5);
    private static readonly SimdOp s_psubb = new("psubb", Pd, 0x0FF8);
    private static readonly SimdOp s_psubw = new("psubw", Pd, 0x0FF9);
    private static readonly SimdOp s_psubd = new("psubd", Pd, 0x0FFA);
    private static readonly SimdOp s_psubq = new("psubq", Pd, 0x0FFB);
    private static readonly SimdOp s_paddb = new("paddb", Pd, 0x0FFC);
    private static readonly SimdOp s_paddw = new("paddw", Pd, 0x0FFD);
    private static readonly SimdOp s_paddd = new("paddd", Pd, 0x0FFE);

    // ---- map 0F38 ----

    private static readonly SimdOp s_pshufb = new("pshufb", Pd, 0x0F3800, Ssse3);
    private static readonly SimdOp s_pmaddubsw = new("pmaddubsw", Pd, 0x0F3804, Ssse3);
    private static readonly SimdOp s_psignb = new("psignb", Pd, 0x0F3808, Ssse3);
    private static readonly SimdOp s_psignw = new("psignw", Pd, 0x0F3809, Ssse3);
    private static readonly SimdOp s_psignd = new("psignd", Pd, 0x0F380A, Ssse3);
    private static readonly SimdOp s_pmulhrsw = new("pmulhrsw", Pd, 0x0F380B, Ssse3);
    private static readonly SimdOp s_pblendvb = new("pblendvb", Pd, 0x0F3810, Sse41);
    private static readonly SimdOp s_blendvps = new("blendvps", Pd, 0x0F3814, Sse41);
    private static readonly SimdOp s_blendvpd = new("blendvpd", Pd, 0x0F3815, Sse41);
    private static readonly SimdOp s_ptest = new("ptest", Pd, 0x0F3817, Sse41);
    private static readonly SimdOp s_pabsb = new("pabsb", Pd, 0x0F381C, Ssse3);
    private static readonly SimdOp s_pabsw = new("pabsw", Pd, 0x0F381D, Ssse3);
    private static readonly SimdOp s_pabsd = new("pabsd", Pd, 0x0F381E, Ssse3);
    private static readonly SimdOp s_pmovsxbw = new("pmovsxbw", Pd, 0x0F3820, Sse41);
    private static readonly SimdOp s_pmovsxwd = new("pmovsxwd", Pd, 0x0F3823, Sse41);
    private static readonly SimdOp s_pmovsxdq = new("pmovsxdq", Pd, 0x0F3825, Sse41);
    private static readonly SimdOp s_pmuldq = new("pmuldq", Pd, 0x0F3828, Sse41);
    private static readonly SimdOp s_pcmpeqq = new("pcmpeqq", Pd, 0x0F3829, Sse41);
    private static readonly SimdOp s_packusdw = new("packusdw", Pd, 0x0F382B, Sse41);
    private static readonly SimdOp s_pmovzxbw = new("pmovzxbw", Pd, 0x0F3830, Sse41);
    private static readonly SimdOp s_pmovzxwd = new("pmovzxwd", Pd, 0x0F3833, Sse41);
    private static readonly SimdOp s_pmovzxdq = new("pmovzxdq", Pd, 0x0F3835, Sse41);
    private static readonly SimdOp s_pcmpgtq = new("pcmpgtq", Pd, 0x0F3837, Sse42);
    private static readonly SimdOp s_pminsb = new("pminsb", Pd, 0x0F3838, Sse41);
    private static readonly SimdOp s_pminsd = new("pminsd", Pd, 0x0F3839, Sse41);
    private static readonly SimdOp s_pminuw = new("pminuw", Pd, 0x0F383A, Sse41);
    private static readonly SimdOp s_pminud = new("pminud", Pd, 0x0F383B, Sse41);
    private static readonly SimdOp s_pmaxsb = new("pmaxsb", Pd, 0x0F383C, Sse41);
    private static readonly SimdOp s_pmaxsd = new("pmaxsd", Pd, 0x0F383D, Sse41);
    private static readonly SimdOp s_pmaxuw = new("pmaxuw", Pd, 0x0F383E, Sse41);
    private static readonly SimdOp s_pmaxud = new("pmaxud", Pd, 0x0F383F, Sse41);
    private static readonly SimdOp s_pmulld = new("pmulld", Pd, 0x0F3840, Sse41);

    // ---- map 0F3A (every form takes an imm8) ----

    private static readonly SimdOp s_roundps = new("roundps", Pd, 0x0F3A08, Sse41);
    private static readonly SimdOp s_roundpd = new("roundpd", Pd, 0x0F3A09, Sse41);
    private static readonly SimdOp s_blendps = new("blendps", Pd, 0x0F3A0C, Sse41);
    private static readonly SimdOp s_blendpd = new("blendpd", Pd, 0x0F3A0D, Sse41);
    private static readonly SimdOp s_pblendw = new("pblendw", Pd, 0x0F3A0E, Sse41);
    private static readonly SimdOp s_palignr = new("palignr", Pd, 0x0F3A0F, Ssse3);
    private static readonly SimdOp s_pextrb = new("pextrb", Pd, 0x0F3A14, Sse41);
    private static readonly SimdOp s_pextrwMem = new("pextrw", Pd, 0x0F3A15, Sse41);
    private static readonly SimdOp s_pextrd = new("pextrd", Pd, 0x0F3A16, Sse41);
    private static readonly SimdOp s_pextrq = new("pextrq", Pd, 0x0F3A16, Sse41);
    private static readonly SimdOp s_extractps = new("extractps", Pd, 0x0F3A17, Sse41);
    private static readonly SimdOp s_pinsrb = new("pinsrb", Pd, 0x0F3A20, Sse41);
    private static readonly SimdOp s_insertps = new("insertps", Pd, 0x0F3A21, Sse41);
    private static readonly SimdOp s_pinsrd = new("pinsrd", Pd, 0x0F3A22, Sse41);
    private static readonly SimdOp s_pinsrq = new("pinsrq", Pd, 0x0F3A22, Sse41);

    // ---- emitters ----

    private void SimdRR(in SimdOp op, int reg, int rm, int rexW = 0)
    {
        Require(op.Feature, op.Mnemonic);
        EmitRR(op.Prefix, rexW, op.Opcode, reg, rm);
    }

    private void SimdRM(in SimdOp op, int reg, in Mem mem, int rexW = 0)
    {
        Require(op.Feature, op.Mnemonic);
        EmitRM(op.Prefix, rexW, op.Opcode, reg, mem);
    }

    private void SimdRRI(in SimdOp op, int reg, int rm, int imm, int rexW = 0)
    {
        Require(op.Feature, op.Mnemonic);
        EmitRR(op.Prefix, rexW, op.Opcode, reg, rm);
        Put(imm);
    }

    /// <summary>A shift-by-immediate form: ModRM.reg holds the row's group digit, ModRM.rm the register.</summary>
    private void SimdGroupRI(in SimdOp op, int rm, int imm) => SimdRRI(op, op.Extension, rm, imm);

    private void SimdRMI(in SimdOp op, int reg, in Mem mem, int imm, int rexW = 0)
    {
        Require(op.Feature, op.Mnemonic);
        EmitRM(op.Prefix, rexW, op.Opcode, reg, mem, 1);
        Put(imm);
    }

    /// <summary>A lane index checked against the lane count: the CPU would silently use it modulo the count.</summary>
    private static int Lane(int lane, int count, string mnemonic) =>
        lane < count ? lane : throw new AssemblerException($"{mnemonic} has lanes 0..{count - 1}; lane {lane} does not exist.");

    /// <summary>An immediate mask checked against its width: the CPU would silently ignore the extra bits.</summary>
    private static int Mask(int mask, int bits, string mnemonic) =>
        mask >> bits == 0 ? mask : throw new AssemblerException($"{mnemonic} takes a {bits}-bit mask; 0x{mask:x} is wider.");

    private static int LegacyPredicate(FloatComparison predicate, string mnemonic) =>
        (int)predicate <= 7 ? (int)predicate : throw new AssemblerException($"{mnemonic} has predicates 0..7; {predicate} needs the VEX form.");

    // ---- moves ----

    /// <summary>movdqa dst, src: integer-domain full-register copy.</summary>
    public void Movdqa(Xmm dst, Xmm src) => SimdRR(s_movdqaLoad, dst.Index, src.Index);
    /// <summary>movdqa dst, xmmword [src]: the address must be 16-byte aligned.</summary>
    public void Movdqa(Xmm dst, Mem src) => SimdRM(s_movdqaLoad, dst.Index, src);
    public void Movdqa(Mem dst, Xmm src) => SimdRM(s_movdqaStore, src.Index, dst);

    /// <summary>movdqu: as movdqa without the alignment requirement (Wasm v128.load and v128.store).</summary>
    public void Movdqu(Xmm dst, Xmm src) => SimdRR(s_movdquLoad, dst.Index, src.Index);
    public void Movdqu(Xmm dst, Mem src) => SimdRM(s_movdquLoad, dst.Index, src);
    public void Movdqu(Mem dst, Xmm src) => SimdRM(s_movdquStore, src.Index, dst);

    /// <summary>movaps dst, src: the preferred full-register copy (one byte shorter than movdqa).</summary>
    public void Movaps(Xmm dst, Xmm src) => SimdRR(s_movapsLoad, dst.Index, src.Index);
    public void Movaps(Xmm dst, Mem src) => SimdRM(s_movapsLoad, dst.Index, src);
    public void Movaps(Mem dst, Xmm src) => SimdRM(s_movapsStore, src.Index, dst);

    /// <summary>movups: as movaps, without the 16-byte alignment requirement on memory.</summary>
    public void Movups(Xmm dst, Xmm src) => SimdRR(s_movupsLoad, dst.Index, src.Index);
    public void Movups(Xmm dst, Mem src) => SimdRM(s_movupsLoad, dst.Index, src);
    public void Movups(Mem dst, Xmm src) => SimdRM(s_movupsStore, src.Index, dst);

    /// <summary>movddup dst, src (SSE3): both f64 lanes = the low lane of src (f64x2.splat).</summary>
    public void Movddup(Xmm dst, Xmm src) => SimdRR(s_movddup, dst.Index, src.Index);
    /// <summary>movddup dst, qword [src] (SSE3; no alignment requirement).</summary>
    public void Movddup(Xmm dst, Mem src) => SimdRM(s_movddup, dst.Index, src);

    /// <summary>movlhps dst, src: the high half of dst = the low half of src.</summary>
    public void Movlhps(Xmm dst, Xmm src) => SimdRR(s_movlhps, dst.Index, src.Index);
    /// <summary>movhlps dst, src: the low half of dst = the high half of src.</summary>
    public void Movhlps(Xmm dst, Xmm src) => SimdRR(s_movhlps, dst.Index, src.Index);

    // ---- lane insert and extract ----

    /// <summary>pinsrb dst, r32, lane (SSE4.1): byte lane of dst = the low byte of src.</summary>
    public void Pinsrb(Xmm dst, Gpr src, byte lane) => SimdRRI(s_pinsrb, dst.Index, src.Index, Lane(lane, 16, "pinsrb"));
    /// <summary>pinsrb dst, byte [src], lane (SSE4.1; Wasm v128.load8_lane).</summary>
    public void Pinsrb(Xmm dst, Mem src, byte lane) => SimdRMI(s_pinsrb, dst.Index, src, Lane(lane, 16, "pinsrb"));
    /// <summary>pinsrw dst, r32, lane: word lane of dst = the low word of src.</summary>
    public void Pinsrw(Xmm dst, Gpr src, byte lane) => SimdRRI(s_pinsrw, dst.Index, src.Index, Lane(lane, 8, "pinsrw"));
    public void Pinsrw(Xmm dst, Mem src, byte lane) => SimdRMI(s_pinsrw, dst.Index, src, Lane(lane, 8, "pinsrw"));
    /// <summary>pinsrd dst, r32, lane (SSE4.1).</summary>
    public void Pinsrd(Xmm dst, Gpr src, byte lane) => SimdRRI(s_pinsrd, dst.Index, src.Index, Lane(lane, 4, "pinsrd"));
    public void Pinsrd(Xmm dst, Mem src, byte lane) => SimdRMI(s_pinsrd, dst.Index, src, Lane(lane, 4, "pinsrd"));
    /// <summary>pinsrq dst, r64, lane (SSE4.1).</summary>
    public void Pinsrq(Xmm dst, Gpr src, byte lane) => SimdRRI(s_pinsrq, dst.Index, src.Index, Lane(lane, 2, "pinsrq"), RexW);
    public void Pinsrq(Xmm dst, Mem src, byte lane) => SimdRMI(s_pinsrq, dst.Index, src, Lane(lane, 2, "pinsrq"), RexW);

    /// <summary>pextrb r32, src, lane (SSE4.1): zero-extends the byte into the full register.</summary>
    public void Pextrb(Gpr dst, Xmm src, byte lane) => SimdRRI(s_pextrb, src.Index, dst.Index, Lane(lane, 16, "pextrb"));
    /// <summary>pextrb byte [dst], src, lane (SSE4.1; Wasm v128.store8_lane).</summary>
    public void Pextrb(Mem dst, Xmm src, byte lane) => SimdRMI(s_pextrb, src.Index, dst, Lane(lane, 16, "pextrb"));
    /// <summary>pextrw r32, src, lane: zero-extends the word (SSE2 form, 0F C5).</summary>
    public void Pextrw(Gpr dst, Xmm src, byte lane) => SimdRRI(s_pextrw, dst.Index, src.Index, Lane(lane, 8, "pextrw"));
    /// <summary>pextrw word [dst], src, lane (SSE4.1: the store form exists only in map 0F3A).</summary>
    public void Pextrw(Mem dst, Xmm src, byte lane) => SimdRMI(s_pextrwMem, src.Index, dst, Lane(lane, 8, "pextrw"));
    /// <summary>pextrd r32, src, lane (SSE4.1).</summary>
    public void Pextrd(Gpr dst, Xmm src, byte lane) => SimdRRI(s_pextrd, src.Index, dst.Index, Lane(lane, 4, "pextrd"));
    public void Pextrd(Mem dst, Xmm src, byte lane) => SimdRMI(s_pextrd, src.Index, dst, Lane(lane, 4, "pextrd"));
    /// <summary>pextrq r64, src, lane (SSE4.1).</summary>
    public void Pextrq(Gpr dst, Xmm src, byte lane) => SimdRRI(s_pextrq, src.Index, dst.Index, Lane(lane, 2, "pextrq"), RexW);
    public void Pextrq(Mem dst, Xmm src, byte lane) => SimdRMI(s_pextrq, src.Index, dst, Lane(lane, 2, "pextrq"), RexW);

    /// <summary>
    /// insertps dst, src, control (SSE4.1): bits 7..6 pick the source lane, 5..4 the destination lane,
    /// 3..0 zero lanes of the result. From memory, the f32 at [src] is the source and bits 7..6 are ignored.
    /// </summary>
    public void Insertps(Xmm dst, Xmm src, byte control) => SimdRRI(s_insertps, dst.Index, src.Index, control);
    public void Insertps(Xmm dst, Mem src, byte control) => SimdRMI(s_insertps, dst.Index, src, control);
    /// <summary>extractps r32, src, lane (SSE4.1): the f32 lane's bits into an integer register.</summary>
    public void Extractps(Gpr dst, Xmm src, byte lane) => SimdRRI(s_extractps, src.Index, dst.Index, Lane(lane, 4, "extractps"));
    public void Extractps(Mem dst, Xmm src, byte lane) => SimdRMI(s_extractps, src.Index, dst, Lane(lane, 4, "extractps"));

    // ---- shuffles, unpacks and packs ----

    /// <summary>pshufd dst, src, order: dword lane i of dst = lane (order >> 2i) &amp; 3 of src.</summary>
    public void Pshufd(Xmm dst, Xmm src, byte order) => SimdRRI(s_pshufd, dst.Index, src.Index, order);
    public void Pshufd(Xmm dst, Mem src, byte order) => SimdRMI(s_pshufd, dst.Index, src, order);
    /// <summary>pshuflw: as pshufd on the four low words; the high half is copied.</summary>
    public void Pshuflw(Xmm dst, Xmm src, byte order) => SimdRRI(s_pshuflw, dst.Index, src.Index, order);
    public void Pshuflw(Xmm dst, Mem src, byte order) => SimdRMI(s_pshuflw, dst.Index, src, order);
    /// <summary>pshufhw: as pshufd on the four high words; the low half is copied.</summary>
    public void Pshufhw(Xmm dst, Xmm src, byte order) => SimdRRI(s_pshufhw, dst.Index, src.Index, order);
    public void Pshufhw(Xmm dst, Mem src, byte order) => SimdRMI(s_pshufhw, dst.Index, src, order);
    /// <summary>pshufb dst, indices (SSSE3): byte i = dst[indices[i] &amp; 15], or 0 when bit 7 of the index is set.</summary>
    public void Pshufb(Xmm dst, Xmm indices) => SimdRR(s_pshufb, dst.Index, indices.Index);
    public void Pshufb(Xmm dst, Mem indices) => SimdRM(s_pshufb, dst.Index, indices);
    /// <summary>shufps dst, src, order: the low two lanes from dst, the high two from src.</summary>
    public void Shufps(Xmm dst, Xmm src, byte order) => SimdRRI(s_shufps, dst.Index, src.Index, order);
    public void Shufps(Xmm dst, Mem src, byte order) => SimdRMI(s_shufps, dst.Index, src, order);
    /// <summary>shufpd dst, src, order: bit 0 picks the low lane from dst, bit 1 the high lane from src.</summary>
    public void Shufpd(Xmm dst, Xmm src, byte order) => SimdRRI(s_shufpd, dst.Index, src.Index, Mask(order, 2, "shufpd"));
    public void Shufpd(Xmm dst, Mem src, byte order) => SimdRMI(s_shufpd, dst.Index, src, Mask(order, 2, "shufpd"));
    /// <summary>palignr dst, src, bytes (SSSE3): dst = bytes <paramref name="bytes"/>..+15 of the 32-byte dst:src.</summary>
    public void Palignr(Xmm dst, Xmm src, byte bytes) => SimdRRI(s_palignr, dst.Index, src.Index, bytes);
    public void Palignr(Xmm dst, Mem src, byte bytes) => SimdRMI(s_palignr, dst.Index, src, bytes);

    public void Punpcklbw(Xmm dst, Xmm src) => SimdRR(s_punpcklbw, dst.Index, src.Index);
    public void Punpcklbw(Xmm dst, Mem src) => SimdRM(s_punpcklbw, dst.Index, src);
    public void Punpcklwd(Xmm dst, Xmm src) => SimdRR(s_punpcklwd, dst.Index, src.Index);
    public void Punpcklwd(Xmm dst, Mem src) => SimdRM(s_punpcklwd, dst.Index, src);
    public void Punpckldq(Xmm dst, Xmm src) => SimdRR(s_punpckldq, dst.Index, src.Index);
    public void Punpckldq(Xmm dst, Mem src) => SimdRM(s_punpckldq, dst.Index, src);
    public void Punpcklqdq(Xmm dst, Xmm src) => SimdRR(s_punpcklqdq, dst.Index, src.Index);
    public void Punpcklqdq(Xmm dst, Mem src) => SimdRM(s_punpcklqdq, dst.Index, src);
    public void Punpckhbw(Xmm dst, Xmm src) => SimdRR(s_punpckhbw, dst.Index, src.Index);
    public void Punpckhbw(Xmm dst, Mem src) => SimdRM(s_punpckhbw, dst.Index, src);
    public void Punpckhwd(Xmm dst, Xmm src) => SimdRR(s_punpckhwd, dst.Index, src.Index);
    public void Punpckhwd(Xmm dst, Mem src) => SimdRM(s_punpckhwd, dst.Index, src);
    public void Punpckhdq(Xmm dst, Xmm src) => SimdRR(s_punpckhdq, dst.Index, src.Index);
    public void Punpckhdq(Xmm dst, Mem src) => SimdRM(s_punpckhdq, dst.Index, src);
    public void Punpckhqdq(Xmm dst, Xmm src) => SimdRR(s_punpckhqdq, dst.Index, src.Index);
    public void Punpckhqdq(Xmm dst, Mem src) => SimdRM(s_punpckhqdq, dst.Index, src);
    public void Unpcklps(Xmm dst, Xmm src) => SimdRR(s_unpcklps, dst.Index, src.Index);
    public void Unpcklps(Xmm dst, Mem src) => SimdRM(s_unpcklps, dst.Index, src);
    public void Unpcklpd(Xmm dst, Xmm src) => SimdRR(s_unpcklpd, dst.Index, src.Index);
    public void Unpcklpd(Xmm dst, Mem src) => SimdRM(s_unpcklpd, dst.Index, src);
    public void Unpckhps(Xmm dst, Xmm src) => SimdRR(s_unpckhps, dst.Index, src.Index);
    public void Unpckhps(Xmm dst, Mem src) => SimdRM(s_unpckhps, dst.Index, src);
    public void Unpckhpd(Xmm dst, Xmm src) => SimdRR(s_unpckhpd, dst.Index, src.Index);
    public void Unpckhpd(Xmm dst, Mem src) => SimdRM(s_unpckhpd, dst.Index, src);

    /// <summary>packsswb dst, src: words of dst then src to bytes, signed saturation (i8x16.narrow_i16x8_s).</summary>
    public void Packsswb(Xmm dst, Xmm src) => SimdRR(s_packsswb, dst.Index, src.Index);
    public void Packsswb(Xmm dst, Mem src) => SimdRM(s_packsswb, dst.Index, src);
    /// <summary>packuswb: signed words to unsigned bytes, saturating (i8x16.narrow_i16x8_u).</summary>
    public void Packuswb(Xmm dst, Xmm src) => SimdRR(s_packuswb, dst.Index, src.Index);
    public void Packuswb(Xmm dst, Mem src) => SimdRM(s_packuswb, dst.Index, src);
    public void Packssdw(Xmm dst, Xmm src) => SimdRR(s_packssdw, dst.Index, src.Index);
    public void Packssdw(Xmm dst, Mem src) => SimdRM(s_packssdw, dst.Index, src);
    /// <summary>packusdw (SSE4.1): signed dwords to unsigned words, saturating.</summary>
    public void Packusdw(Xmm dst, Xmm src) => SimdRR(s_packusdw, dst.Index, src.Index);
    public void Packusdw(Xmm dst, Mem src) => SimdRM(s_packusdw, dst.Index, src);

    /// <summary>pmovsxbw dst, src (SSE4.1): the low 8 bytes sign-extended to words (extend_low; v128.load8x8_s from memory).</summary>
    public void Pmovsxbw(Xmm dst, Xmm src) => SimdRR(s_pmovsxbw, dst.Index, src.Index);
    /// <summary>pmovsxbw dst, qword [src] (no alignment requirement).</summary>
    public void Pmovsxbw(Xmm dst, Mem src) => SimdRM(s_pmovsxbw, dst.Index, src);
    public void Pmovsxwd(Xmm dst, Xmm src) => SimdRR(s_pmovsxwd, dst.Index, src.Index);
    public void Pmovsxwd(Xmm dst, Mem src) => SimdRM(s_pmovsxwd, dst.Index, src);
    public void Pmovsxdq(Xmm dst, Xmm src) => SimdRR(s_pmovsxdq, dst.Index, src.Index);
    public void Pmovsxdq(Xmm dst, Mem src) => SimdRM(s_pmovsxdq, dst.Index, src);
    public void Pmovzxbw(Xmm dst, Xmm src) => SimdRR(s_pmovzxbw, dst.Index, src.Index);
    public void Pmovzxbw(Xmm dst, Mem src) => SimdRM(s_pmovzxbw, dst.Index, src);
    public void Pmovzxwd(Xmm dst, Xmm src) => SimdRR(s_pmovzxwd, dst.Index, src.Index);
    public void Pmovzxwd(Xmm dst, Mem src) => SimdRM(s_pmovzxwd, dst.Index, src);
    public void Pmovzxdq(Xmm dst, Xmm src) => SimdRR(s_pmovzxdq, dst.Index, src.Index);
    public void Pmovzxdq(Xmm dst, Mem src) => SimdRM(s_pmovzxdq, dst.Index, src);

    // ---- integer arithmetic ----

    public void Paddb(Xmm dst, Xmm src) => SimdRR(s_paddb, dst.Index, src.Index);
    public void Paddb(Xmm dst, Mem src) => SimdRM(s_paddb, dst.Index, src);
    public void Paddw(Xmm dst, Xmm src) => SimdRR(s_paddw, dst.Index, src.Index);
    public void Paddw(Xmm dst, Mem src) => SimdRM(s_paddw, dst.Index, src);
    public void Paddd(Xmm dst, Xmm src) => SimdRR(s_paddd, dst.Index, src.Index);
    public void Paddd(Xmm dst, Mem src) => SimdRM(s_paddd, dst.Index, src);
    public void Paddq(Xmm dst, Xmm src) => SimdRR(s_paddq, dst.Index, src.Index);
    public void Paddq(Xmm dst, Mem src) => SimdRM(s_paddq, dst.Index, src);
    public void Psubb(Xmm dst, Xmm src) => SimdRR(s_psubb, dst.Index, src.Index);
    public void Psubb(Xmm dst, Mem src) => SimdRM(s_psubb, dst.Index, src);
    public void Psubw(Xmm dst, Xmm src) => SimdRR(s_psubw, dst.Index, src.Index);
    public void Psubw(Xmm dst, Mem src) => SimdRM(s_psubw, dst.Index, src);
    public void Psubd(Xmm dst, Xmm src) => SimdRR(s_psubd, dst.Index, src.Index);
    public void Psubd(Xmm dst, Mem src) => SimdRM(s_psubd, dst.Index, src);
    public void Psubq(Xmm dst, Xmm src) => SimdRR(s_psubq, dst.Index, src.Index);
    public void Psubq(Xmm dst, Mem src) => SimdRM(s_psubq, dst.Index, src);

    /// <summary>paddsb: signed saturating add (i8x16.add_sat_s).</summary>
    public void Paddsb(Xmm dst, Xmm src) => SimdRR(s_paddsb, dst.Index, src.Index);
    public void Paddsb(Xmm dst, Mem src) => SimdRM(s_paddsb, dst.Index, src);
    public void Paddsw(Xmm dst, Xmm src) => SimdRR(s_paddsw, dst.Index, src.Index);
    public void Paddsw(Xmm dst, Mem src) => SimdRM(s_paddsw, dst.Index, src);
    /// <summary>paddusb: unsigned saturating add (i8x16.add_sat_u).</summary>
    public void Paddusb(Xmm dst, Xmm src) => SimdRR(s_paddusb, dst.Index, src.Index);
    public void Paddusb(Xmm dst, Mem src) => SimdRM(s_paddusb, dst.Index, src);
    public void Paddusw(Xmm dst, Xmm src) => SimdRR(s_paddusw, dst.Index, src.Index);
    public void Paddusw(Xmm dst, Mem src) => SimdRM(s_paddusw, dst.Index, src);
    public void Psubsb(Xmm dst, Xmm src) => SimdRR(s_psubsb, dst.Index, src.Index);
    public void Psubsb(Xmm dst, Mem src) => SimdRM(s_psubsb, dst.Index, src);
    public void Psubsw(Xmm dst, Xmm src) => SimdRR(s_psubsw, dst.Index, src.Index);
    public void Psubsw(Xmm dst, Mem src) => SimdRM(s_psubsw, dst.Index, src);
    public void Psubusb(Xmm dst, Xmm src) => SimdRR(s_psubusb, dst.Index, src.Index);
    public void Psubusb(Xmm dst, Mem src) => SimdRM(s_psubusb, dst.Index, src);
    public void Psubusw(Xmm dst, Xmm src) => SimdRR(s_psubusw, dst.Index, src.Index);
    public void Psubusw(Xmm dst, Mem src) => SimdRM(s_psubusw, dst.Index, src);

    /// <summary>pmullw: the low 16 bits of each word product.</summary>
    public void Pmullw(Xmm dst, Xmm src) => SimdRR(s_pmullw, dst.Index, src.Index);
    public void Pmullw(Xmm dst, Mem src) => SimdRM(s_pmullw, dst.Index, src);
    /// <summary>pmulld (SSE4.1): the low 32 bits of each dword product.</summary>
    public void Pmulld(Xmm dst, Xmm src) => SimdRR(s_pmulld, dst.Index, src.Index);
    public void Pmulld(Xmm dst, Mem src) => SimdRM(s_pmulld, dst.Index, src);
    /// <summary>pmuludq: dword lanes 0 and 2, unsigned, to two 64-bit products (i64x2.mul, extmul_u).</summary>
    public void Pmuludq(Xmm dst, Xmm src) => SimdRR(s_pmuludq, dst.Index, src.Index);
    public void Pmuludq(Xmm dst, Mem src) => SimdRM(s_pmuludq, dst.Index, src);
    /// <summary>pmuldq (SSE4.1): as pmuludq, signed.</summary>
    public void Pmuldq(Xmm dst, Xmm src) => SimdRR(s_pmuldq, dst.Index, src.Index);
    public void Pmuldq(Xmm dst, Mem src) => SimdRM(s_pmuldq, dst.Index, src);
    /// <summary>pmulhw: the high 16 bits of each signed word product.</summary>
    public void Pmulhw(Xmm dst, Xmm src) => SimdRR(s_pmulhw, dst.Index, src.Index);
    public void Pmulhw(Xmm dst, Mem src) => SimdRM(s_pmulhw, dst.Index, src);
    public void Pmulhuw(Xmm dst, Xmm src) => SimdRR(s_pmulhuw, dst.Index, src.Index);
    public void Pmulhuw(Xmm dst, Mem src) => SimdRM(s_pmulhuw, dst.Index, src);
    /// <summary>pmulhrsw (SSSE3): rounded Q15 multiply (i16x8.q15mulr_sat_s, but 0x8000 * 0x8000 gives 0x8000).</summary>
    public void Pmulhrsw(Xmm dst, Xmm src) => SimdRR(s_pmulhrsw, dst.Index, src.Index);
    public void Pmulhrsw(Xmm dst, Mem src) => SimdRM(s_pmulhrsw, dst.Index, src);
    /// <summary>pmaddwd: signed word products summed in pairs to dwords (i32x4.dot_i16x8_s).</summary>
    public void Pmaddwd(Xmm dst, Xmm src) => SimdRR(s_pmaddwd, dst.Index, src.Index);
    public void Pmaddwd(Xmm dst, Mem src) => SimdRM(s_pmaddwd, dst.Index, src);
    /// <summary>pmaddubsw (SSSE3): unsigned bytes of dst times signed bytes of src, summed in pairs with saturation.</summary>
    public void Pmaddubsw(Xmm dst, Xmm src) => SimdRR(s_pmaddubsw, dst.Index, src.Index);
    public void Pmaddubsw(Xmm dst, Mem src) => SimdRM(s_pmaddubsw, dst.Index, src);

    public void Pminsb(Xmm dst, Xmm src) => SimdRR(s_pminsb, dst.Index, src.Index);
    public void Pminsb(Xmm dst, Mem src) => SimdRM(s_pminsb, dst.Index, src);
    public void Pminsw(Xmm dst, Xmm src) => SimdRR(s_pminsw, dst.Index, src.Index);
    public void Pminsw(Xmm dst, Mem src) => SimdRM(s_pminsw, dst.Index, src);
    public void Pminsd(Xmm dst, Xmm src) => SimdRR(s_pminsd, dst.Index, src.Index);
    public void Pminsd(Xmm dst, Mem src) => SimdRM(s_pminsd, dst.Index, src);
    public void Pminub(Xmm dst, Xmm src) => SimdRR(s_pminub, dst.Index, src.Index);
    public void Pminub(Xmm dst, Mem src) => SimdRM(s_pminub, dst.Index, src);
    public void Pminuw(Xmm dst, Xmm src) => SimdRR(s_pminuw, dst.Index, src.Index);
    public void Pminuw(Xmm dst, Mem src) => SimdRM(s_pminuw, dst.Index, src);
    public void Pminud(Xmm dst, Xmm src) => SimdRR(s_pminud, dst.Index, src.Index);
    public void Pminud(Xmm dst, Mem src) => SimdRM(s_pminud, dst.Index, src);
    public void Pmaxsb(Xmm dst, Xmm src) => SimdRR(s_pmaxsb, dst.Index, src.Index);
    public void Pmaxsb(Xmm dst, Mem src) => SimdRM(s_pmaxsb, dst.Index, src);
    public void Pmaxsw(Xmm dst, Xmm src) => SimdRR(s_pmaxsw, dst.Index, src.Index);
    public void Pmaxsw(Xmm dst, Mem src) => SimdRM(s_pmaxsw, dst.Index, src);
    public void Pmaxsd(Xmm dst, Xmm src) => SimdRR(s_pmaxsd, dst.Index, src.Index);
    public void Pmaxsd(Xmm dst, Mem src) => SimdRM(s_pmaxsd, dst.Index, src);
    public void Pmaxub(Xmm dst, Xmm src) => SimdRR(s_pmaxub, dst.Index, src.Index);
    public void Pmaxub(Xmm dst, Mem src) => SimdRM(s_pmaxub, dst.Index, src);
    public void Pmaxuw(Xmm dst, Xmm src) => SimdRR(s_pmaxuw, dst.Index, src.Index);
    public void Pmaxuw(Xmm dst, Mem src) => SimdRM(s_pmaxuw, dst.Index, src);
    public void Pmaxud(Xmm dst, Xmm src) => SimdRR(s_pmaxud, dst.Index, src.Index);
    public void Pmaxud(Xmm dst, Mem src) => SimdRM(s_pmaxud, dst.Index, src);

    /// <summary>pavgb: unsigned (a + b + 1) >> 1 (i8x16.avgr_u).</summary>
    public void Pavgb(Xmm dst, Xmm src) => SimdRR(s_pavgb, dst.Index, src.Index);
    public void Pavgb(Xmm dst, Mem src) => SimdRM(s_pavgb, dst.Index, src);
    public void Pavgw(Xmm dst, Xmm src) => SimdRR(s_pavgw, dst.Index, src.Index);
    public void Pavgw(Xmm dst, Mem src) => SimdRM(s_pavgw, dst.Index, src);

    /// <summary>pabsb dst, src (SSSE3): absolute value; -128 stays -128, as Wasm's abs wants.</summary>
    public void Pabsb(Xmm dst, Xmm src) => SimdRR(s_pabsb, dst.Index, src.Index);
    public void Pabsb(Xmm dst, Mem src) => SimdRM(s_pabsb, dst.Index, src);
    public void Pabsw(Xmm dst, Xmm src) => SimdRR(s_pabsw, dst.Index, src.Index);
    public void Pabsw(Xmm dst, Mem src) => SimdRM(s_pabsw, dst.Index, src);
    public void Pabsd(Xmm dst, Xmm src) => SimdRR(s_pabsd, dst.Index, src.Index);
    public void Pabsd(Xmm dst, Mem src) => SimdRM(s_pabsd, dst.Index, src);
    /// <summary>psignb dst, src (SSSE3): dst negated where src &lt; 0, zeroed where src = 0.</summary>
    public void Psignb(Xmm dst, Xmm src) => SimdRR(s_psignb, dst.Index, src.Index);
    public void Psignb(Xmm dst, Mem src) => SimdRM(s_psignb, dst.Index, src);
    public void Psignw(Xmm dst, Xmm src) => SimdRR(s_psignw, dst.Index, src.Index);
    public void Psignw(Xmm dst, Mem src) => SimdRM(s_psignw, dst.Index, src);
    public void Psignd(Xmm dst, Xmm src) => SimdRR(s_psignd, dst.Index, src.Index);
    public void Psignd(Xmm dst, Mem src) => SimdRM(s_psignd, dst.Index, src);

    // ---- integer compares (all ones where true) ----

    public void Pcmpeqb(Xmm dst, Xmm src) => SimdRR(s_pcmpeqb, dst.Index, src.Index);
    public void Pcmpeqb(Xmm dst, Mem src) => SimdRM(s_pcmpeqb, dst.Index, src);
    public void Pcmpeqw(Xmm dst, Xmm src) => SimdRR(s_pcmpeqw, dst.Index, src.Index);
    public void Pcmpeqw(Xmm dst, Mem src) => SimdRM(s_pcmpeqw, dst.Index, src);
    public void Pcmpeqd(Xmm dst, Xmm src) => SimdRR(s_pcmpeqd, dst.Index, src.Index);
    public void Pcmpeqd(Xmm dst, Mem src) => SimdRM(s_pcmpeqd, dst.Index, src);
    /// <summary>pcmpeqq (SSE4.1).</summary>
    public void Pcmpeqq(Xmm dst, Xmm src) => SimdRR(s_pcmpeqq, dst.Index, src.Index);
    public void Pcmpeqq(Xmm dst, Mem src) => SimdRM(s_pcmpeqq, dst.Index, src);
    /// <summary>pcmpgtb: signed greater-than; unsigned compares flip the sign bits first or use pmaxub + pcmpeqb.</summary>
    public void Pcmpgtb(Xmm dst, Xmm src) => SimdRR(s_pcmpgtb, dst.Index, src.Index);
    public void Pcmpgtb(Xmm dst, Mem src) => SimdRM(s_pcmpgtb, dst.Index, src);
    public void Pcmpgtw(Xmm dst, Xmm src) => SimdRR(s_pcmpgtw, dst.Index, src.Index);
    public void Pcmpgtw(Xmm dst, Mem src) => SimdRM(s_pcmpgtw, dst.Index, src);
    public void Pcmpgtd(Xmm dst, Xmm src) => SimdRR(s_pcmpgtd, dst.Index, src.Index);
    public void Pcmpgtd(Xmm dst, Mem src) => SimdRM(s_pcmpgtd, dst.Index, src);
    /// <summary>pcmpgtq (SSE4.2, not 4.1).</summary>
    public void Pcmpgtq(Xmm dst, Xmm src) => SimdRR(s_pcmpgtq, dst.Index, src.Index);
    public void Pcmpgtq(Xmm dst, Mem src) => SimdRM(s_pcmpgtq, dst.Index, src);

    // ---- bitwise logic ----

    public void Pand(Xmm dst, Xmm src) => SimdRR(s_pand, dst.Index, src.Index);
    public void Pand(Xmm dst, Mem src) => SimdRM(s_pand, dst.Index, src);
    /// <summary>pandn dst, src: dst = ~dst &amp; src.</summary>
    public void Pandn(Xmm dst, Xmm src) => SimdRR(s_pandn, dst.Index, src.Index);
    public void Pandn(Xmm dst, Mem src) => SimdRM(s_pandn, dst.Index, src);
    public void Por(Xmm dst, Xmm src) => SimdRR(s_por, dst.Index, src.Index);
    public void Por(Xmm dst, Mem src) => SimdRM(s_por, dst.Index, src);
    public void Pxor(Xmm dst, Xmm src) => SimdRR(s_pxor, dst.Index, src.Index);
    public void Pxor(Xmm dst, Mem src) => SimdRM(s_pxor, dst.Index, src);

    public void Andps(Xmm dst, Xmm src) => SimdRR(s_andps, dst.Index, src.Index);
    public void Andps(Xmm dst, Mem src) => SimdRM(s_andps, dst.Index, src);
    public void Andpd(Xmm dst, Xmm src) => SimdRR(s_andpd, dst.Index, src.Index);
    public void Andpd(Xmm dst, Mem src) => SimdRM(s_andpd, dst.Index, src);
    /// <summary>andnps dst, src: dst = ~dst &amp; src.</summary>
    public void Andnps(Xmm dst, Xmm src) => SimdRR(s_andnps, dst.Index, src.Index);
    public void Andnps(Xmm dst, Mem src) => SimdRM(s_andnps, dst.Index, src);
    public void Andnpd(Xmm dst, Xmm src) => SimdRR(s_andnpd, dst.Index, src.Index);
    public void Andnpd(Xmm dst, Mem src) => SimdRM(s_andnpd, dst.Index, src);
    public void Orps(Xmm dst, Xmm src) => SimdRR(s_orps, dst.Index, src.Index);
    public void Orps(Xmm dst, Mem src) => SimdRM(s_orps, dst.Index, src);
    public void Orpd(Xmm dst, Xmm src) => SimdRR(s_orpd, dst.Index, src.Index);
    public void Orpd(Xmm dst, Mem src) => SimdRM(s_orpd, dst.Index, src);
    public void Xorps(Xmm dst, Xmm src) => SimdRR(s_xorps, dst.Index, src.Index);
    public void Xorps(Xmm dst, Mem src) => SimdRM(s_xorps, dst.Index, src);
    public void Xorpd(Xmm dst, Xmm src) => SimdRR(s_xorpd, dst.Index, src.Index);
    public void Xorpd(Xmm dst, Mem src) => SimdRM(s_xorpd, dst.Index, src);

    // ---- shifts: by the low 64 bits of an xmm (or m128), or by an immediate; counts past the lane width give 0 (or all sign bits) ----

    public void Psllw(Xmm dst, Xmm count) => SimdRR(s_psllw, dst.Index, count.Index);
    public void Psllw(Xmm dst, Mem count) => SimdRM(s_psllw, dst.Index, count);
    public void Psllw(Xmm dst, byte count) => SimdGroupRI(s_psllwImm, dst.Index, count);
    public void Pslld(Xmm dst, Xmm count) => SimdRR(s_pslld, dst.Index, count.Index);
    public void Pslld(Xmm dst, Mem count) => SimdRM(s_pslld, dst.Index, count);
    public void Pslld(Xmm dst, byte count) => SimdGroupRI(s_pslldImm, dst.Index, count);
    public void Psllq(Xmm dst, Xmm count) => SimdRR(s_psllq, dst.Index, count.Index);
    public void Psllq(Xmm dst, Mem count) => SimdRM(s_psllq, dst.Index, count);
    public void Psllq(Xmm dst, byte count) => SimdGroupRI(s_psllqImm, dst.Index, count);
    public void Psrlw(Xmm dst, Xmm count) => SimdRR(s_psrlw, dst.Index, count.Index);
    public void Psrlw(Xmm dst, Mem count) => SimdRM(s_psrlw, dst.Index, count);
    public void Psrlw(Xmm dst, byte count) => SimdGroupRI(s_psrlwImm, dst.Index, count);
    public void Psrld(Xmm dst, Xmm count) => SimdRR(s_psrld, dst.Index, count.Index);
    public void Psrld(Xmm dst, Mem count) => SimdRM(s_psrld, dst.Index, count);
    public void Psrld(Xmm dst, byte count) => SimdGroupRI(s_psrldImm, dst.Index, count);
    public void Psrlq(Xmm dst, Xmm count) => SimdRR(s_psrlq, dst.Index, count.Index);
    public void Psrlq(Xmm dst, Mem count) => SimdRM(s_psrlq, dst.Index, count);
    public void Psrlq(Xmm dst, byte count) => SimdGroupRI(s_psrlqImm, dst.Index, count);
    public void Psraw(Xmm dst, Xmm count) => SimdRR(s_psraw, dst.Index, count.Index);
    public void Psraw(Xmm dst, Mem count) => SimdRM(s_psraw, dst.Index, count);
    public void Psraw(Xmm dst, byte count) => SimdGroupRI(s_psrawImm, dst.Index, count);
    public void Psrad(Xmm dst, Xmm count) => SimdRR(s_psrad, dst.Index, count.Index);
    public void Psrad(Xmm dst, Mem count) => SimdRM(s_psrad, dst.Index, count);
    public void Psrad(Xmm dst, byte count) => SimdGroupRI(s_psradImm, dst.Index, count);
    /// <summary>pslldq dst, bytes: the whole register shifted left by bytes (16 or more gives zero).</summary>
    public void Pslldq(Xmm dst, byte bytes) => SimdGroupRI(s_pslldq, dst.Index, bytes);
    public void Psrldq(Xmm dst, byte bytes) => SimdGroupRI(s_psrldq, dst.Index, bytes);

    // ---- tests, masks and blends ----

    /// <summary>ptest a, b (SSE4.1): ZF = (a &amp; b) == 0, CF = (~a &amp; b) == 0 (v128.any_true with a = b).</summary>
    public void Ptest(Xmm a, Xmm b) => SimdRR(s_ptest, a.Index, b.Index);
    public void Ptest(Xmm a, Mem b) => SimdRM(s_ptest, a.Index, b);
    /// <summary>pmovmskb r32, src: the sign bit of each byte into bits 15..0 (i8x16.bitmask), upper bits zeroed.</summary>
    public void Pmovmskb(Gpr dst, Xmm src) => SimdRR(s_pmovmskb, dst.Index, src.Index);
    /// <summary>movmskps r32, src: the sign bits of the four f32 (or i32) lanes.</summary>
    public void Movmskps(Gpr dst, Xmm src) => SimdRR(s_movmskps, dst.Index, src.Index);
    /// <summary>movmskpd r32, src: the sign bits of the two f64 (or i64) lanes.</summary>
    public void Movmskpd(Gpr dst, Xmm src) => SimdRR(s_movmskpd, dst.Index, src.Index);

    /// <summary>pblendvb dst, src (SSE4.1): byte i = src where bit 7 of byte i of the implicit mask xmm0 is set, else dst.</summary>
    public void Pblendvb(Xmm dst, Xmm src) => SimdRR(s_pblendvb, dst.Index, src.Index);
    public void Pblendvb(Xmm dst, Mem src) => SimdRM(s_pblendvb, dst.Index, src);
    /// <summary>blendvps dst, src (SSE4.1): per f32 lane by the sign bits of the implicit xmm0.</summary>
    public void Blendvps(Xmm dst, Xmm src) => SimdRR(s_blendvps, dst.Index, src.Index);
    public void Blendvps(Xmm dst, Mem src) => SimdRM(s_blendvps, dst.Index, src);
    /// <summary>blendvpd dst, src (SSE4.1): per f64 lane by the sign bits of the implicit xmm0.</summary>
    public void Blendvpd(Xmm dst, Xmm src) => SimdRR(s_blendvpd, dst.Index, src.Index);
    public void Blendvpd(Xmm dst, Mem src) => SimdRM(s_blendvpd, dst.Index, src);
    /// <summary>pblendw dst, src, mask (SSE4.1): word i from src where bit i of the mask is set.</summary>
    public void Pblendw(Xmm dst, Xmm src, byte mask) => SimdRRI(s_pblendw, dst.Index, src.Index, mask);
    public void Pblendw(Xmm dst, Mem src, byte mask) => SimdRMI(s_pblendw, dst.Index, src, mask);
    /// <summary>blendps dst, src, mask (SSE4.1): f32 lane i from src where bit i of the 4-bit mask is set.</summary>
    public void Blendps(Xmm dst, Xmm src, byte mask) => SimdRRI(s_blendps, dst.Index, src.Index, Mask(mask, 4, "blendps"));
    public void Blendps(Xmm dst, Mem src, byte mask) => SimdRMI(s_blendps, dst.Index, src, Mask(mask, 4, "blendps"));
    /// <summary>blendpd dst, src, mask (SSE4.1): f64 lane i from src where bit i of the 2-bit mask is set.</summary>
    public void Blendpd(Xmm dst, Xmm src, byte mask) => SimdRRI(s_blendpd, dst.Index, src.Index, Mask(mask, 2, "blendpd"));
    public void Blendpd(Xmm dst, Mem src, byte mask) => SimdRMI(s_blendpd, dst.Index, src, Mask(mask, 2, "blendpd"));

    // ---- packed float arithmetic ----

    public void Addps(Xmm dst, Xmm src) => SimdRR(s_addps, dst.Index, src.Index);
    public void Addps(Xmm dst, Mem src) => SimdRM(s_addps, dst.Index, src);
    public void Addpd(Xmm dst, Xmm src) => SimdRR(s_addpd, dst.Index, src.Index);
    public void Addpd(Xmm dst, Mem src) => SimdRM(s_addpd, dst.Index, src);
    public void Subps(Xmm dst, Xmm src) => SimdRR(s_subps, dst.Index, src.Index);
    public void Subps(Xmm dst, Mem src) => SimdRM(s_subps, dst.Index, src);
    public void Subpd(Xmm dst, Xmm src) => SimdRR(s_subpd, dst.Index, src.Index);
    public void Subpd(Xmm dst, Mem src) => SimdRM(s_subpd, dst.Index, src);
    public void Mulps(Xmm dst, Xmm src) => SimdRR(s_mulps, dst.Index, src.Index);
    public void Mulps(Xmm dst, Mem src) => SimdRM(s_mulps, dst.Index, src);
    public void Mulpd(Xmm dst, Xmm src) => SimdRR(s_mulpd, dst.Index, src.Index);
    public void Mulpd(Xmm dst, Mem src) => SimdRM(s_mulpd, dst.Index, src);
    public void Divps(Xmm dst, Xmm src) => SimdRR(s_divps, dst.Index, src.Index);
    public void Divps(Xmm dst, Mem src) => SimdRM(s_divps, dst.Index, src);
    public void Divpd(Xmm dst, Xmm src) => SimdRR(s_divpd, dst.Index, src.Index);
    public void Divpd(Xmm dst, Mem src) => SimdRM(s_divpd, dst.Index, src);
    public void Sqrtps(Xmm dst, Xmm src) => SimdRR(s_sqrtps, dst.Index, src.Index);
    public void Sqrtps(Xmm dst, Mem src) => SimdRM(s_sqrtps, dst.Index, src);
    public void Sqrtpd(Xmm dst, Xmm src) => SimdRR(s_sqrtpd, dst.Index, src.Index);
    public void Sqrtpd(Xmm dst, Mem src) => SimdRM(s_sqrtpd, dst.Index, src);
    /// <summary>minps: per lane as minss (the second operand on NaN or equal zeros; Wasm's min needs a fix-up).</summary>
    public void Minps(Xmm dst, Xmm src) => SimdRR(s_minps, dst.Index, src.Index);
    public void Minps(Xmm dst, Mem src) => SimdRM(s_minps, dst.Index, src);
    public void Minpd(Xmm dst, Xmm src) => SimdRR(s_minpd, dst.Index, src.Index);
    public void Minpd(Xmm dst, Mem src) => SimdRM(s_minpd, dst.Index, src);
    public void Maxps(Xmm dst, Xmm src) => SimdRR(s_maxps, dst.Index, src.Index);
    public void Maxps(Xmm dst, Mem src) => SimdRM(s_maxps, dst.Index, src);
    public void Maxpd(Xmm dst, Xmm src) => SimdRR(s_maxpd, dst.Index, src.Index);
    public void Maxpd(Xmm dst, Mem src) => SimdRM(s_maxpd, dst.Index, src);
    /// <summary>haddps dst, src (SSE3): sums of adjacent pairs, dst's pairs in the low half, src's in the high.</summary>
    public void Haddps(Xmm dst, Xmm src) => SimdRR(s_haddps, dst.Index, src.Index);
    public void Haddps(Xmm dst, Mem src) => SimdRM(s_haddps, dst.Index, src);
    public void Haddpd(Xmm dst, Xmm src) => SimdRR(s_haddpd, dst.Index, src.Index);
    public void Haddpd(Xmm dst, Mem src) => SimdRM(s_haddpd, dst.Index, src);

    /// <summary>cmpps dst, src, predicate: each lane all ones where the predicate holds (legacy predicates 0..7 only).</summary>
    public void Cmpps(Xmm dst, Xmm src, FloatComparison predicate) =>
        SimdRRI(s_cmpps, dst.Index, src.Index, LegacyPredicate(predicate, "cmpps"));
    public void Cmpps(Xmm dst, Mem src, FloatComparison predicate) =>
        SimdRMI(s_cmpps, dst.Index, src, LegacyPredicate(predicate, "cmpps"));
    public void Cmppd(Xmm dst, Xmm src, FloatComparison predicate) =>
        SimdRRI(s_cmppd, dst.Index, src.Index, LegacyPredicate(predicate, "cmppd"));
    public void Cmppd(Xmm dst, Mem src, FloatComparison predicate) =>
        SimdRMI(s_cmppd, dst.Index, src, LegacyPredicate(predicate, "cmppd"));

    /// <summary>roundps dst, src, mode (SSE4.1; f32x4.ceil/floor/trunc/nearest).</summary>
    public void Roundps(Xmm dst, Xmm src, RoundingMode mode) => SimdRRI(s_roundps, dst.Index, src.Index, (int)mode);
    public void Roundps(Xmm dst, Mem src, RoundingMode mode) => SimdRMI(s_roundps, dst.Index, src, (int)mode);
    public void Roundpd(Xmm dst, Xmm src, RoundingMode mode) => SimdRRI(s_roundpd, dst.Index, src.Index, (int)mode);
    public void Roundpd(Xmm dst, Mem src, RoundingMode mode) => SimdRMI(s_roundpd, dst.Index, src, (int)mode);

    // ---- packed conversions ----

    /// <summary>cvtdq2ps: signed i32 lanes to f32 (rounded by MXCSR, nearest by default).</summary>
    public void Cvtdq2ps(Xmm dst, Xmm src) => SimdRR(s_cvtdq2ps, dst.Index, src.Index);
    public void Cvtdq2ps(Xmm dst, Mem src) => SimdRM(s_cvtdq2ps, dst.Index, src);
    /// <summary>cvtps2dq: f32 to i32 rounded by MXCSR; out of range or NaN gives 0x80000000.</summary>
    public void Cvtps2dq(Xmm dst, Xmm src) => SimdRR(s_cvtps2dq, dst.Index, src.Index);
    public void Cvtps2dq(Xmm dst, Mem src) => SimdRM(s_cvtps2dq, dst.Index, src);
    /// <summary>cvttps2dq: f32 to i32 truncated; out of range or NaN gives 0x80000000 (Wasm's trunc_sat fixes up).</summary>
    public void Cvttps2dq(Xmm dst, Xmm src) => SimdRR(s_cvttps2dq, dst.Index, src.Index);
    public void Cvttps2dq(Xmm dst, Mem src) => SimdRM(s_cvttps2dq, dst.Index, src);
    /// <summary>cvtdq2pd: the two low i32 lanes to f64 (exact).</summary>
    public void Cvtdq2pd(Xmm dst, Xmm src) => SimdRR(s_cvtdq2pd, dst.Index, src.Index);
    /// <summary>cvtdq2pd dst, qword [src].</summary>
    public void Cvtdq2pd(Xmm dst, Mem src) => SimdRM(s_cvtdq2pd, dst.Index, src);
    /// <summary>cvtpd2ps: two f64 to the low two f32 lanes, the high two zeroed (f32x4.demote_f64x2_zero).</summary>
    public void Cvtpd2ps(Xmm dst, Xmm src) => SimdRR(s_cvtpd2ps, dst.Index, src.Index);
    public void Cvtpd2ps(Xmm dst, Mem src) => SimdRM(s_cvtpd2ps, dst.Index, src);
    /// <summary>cvtps2pd: the two low f32 lanes to f64 (f64x2.promote_low_f32x4).</summary>
    public void Cvtps2pd(Xmm dst, Xmm src) => SimdRR(s_cvtps2pd, dst.Index, src.Index);
    /// <summary>cvtps2pd dst, qword [src].</summary>
    public void Cvtps2pd(Xmm dst, Mem src) => SimdRM(s_cvtps2pd, dst.Index, src);
    /// <summary>cvttpd2dq: two f64 truncated to the low two i32 lanes, the high two zeroed.</summary>
    public void Cvttpd2dq(Xmm dst, Xmm src) => SimdRR(s_cvttpd2dq, dst.Index, src.Index);
    public void Cvttpd2dq(Xmm dst, Mem src) => SimdRM(s_cvttpd2dq, dst.Index, src);
}
