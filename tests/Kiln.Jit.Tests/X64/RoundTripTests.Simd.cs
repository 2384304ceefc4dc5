using Iced.Intel;
using Kiln.Jit.X64;

namespace Kiln.Jit.Tests.X64;

// The packed (v128) forms: every legacy SSE form and its VEX twin, in the shapes of RoundTripTests.
public sealed partial class RoundTripTests
{
    private static readonly FloatComparison[] s_predicates = Enum.GetValues<FloatComparison>();

    /// <summary>Two-operand ops whose legacy form is dst op= src (x, x/m128) and whose VEX form is dst = src1 op src2.</summary>
    private static readonly string[] s_binary =
    [
        "Punpcklbw", "Punpcklwd", "Punpckldq", "Punpcklqdq", "Punpckhbw", "Punpckhwd", "Punpckhdq", "Punpckhqdq",
        "Unpcklps", "Unpcklpd", "Unpckhps", "Unpckhpd", "Packsswb", "Packuswb", "Packssdw", "Packusdw", "Pshufb",
        "Paddb", "Paddw", "Paddd", "Paddq", "Psubb", "Psubw", "Psubd", "Psubq",
        "Paddsb", "Paddsw", "Paddusb", "Paddusw", "Psubsb", "Psubsw", "Psubusb", "Psubusw",
        "Pmullw", "Pmulld", "Pmuludq", "Pmuldq", "Pmulhw", "Pmulhuw", "Pmulhrsw", "Pmaddwd", "Pmaddubsw",
        "Pminsb", "Pminsw", "Pminsd", "Pminub", "Pminuw", "Pminud", "Pmaxsb", "Pmaxsw", "Pmaxsd", "Pmaxub", "Pmaxuw", "Pmaxud",
        "Pavgb", "Pavgw", "Psignb", "Psignw", "Psignd",
        "Pcmpeqb", "Pcmpeqw", "Pcmpeqd", "Pcmpeqq", "Pcmpgtb", "Pcmpgtw", "Pcmpgtd", "Pcmpgtq",
        "Pand", "Pandn", "Por", "Pxor", "Andps", "Andpd", "Andnps", "Andnpd", "Orps", "Orpd", "Xorps", "Xorpd",
        "Addps", "Addpd", "Subps", "Subpd", "Mulps", "Mulpd", "Divps", "Divpd", "Minps", "Minpd", "Maxps", "Maxpd",
        "Haddps", "Haddpd",
        "Psllw", "Pslld", "Psllq", "Psrlw", "Psrld", "Psrlq", "Psraw", "Psrad",
    ];

    /// <summary>Legacy-only ops of shape (x, x/m128).</summary>
    private static readonly string[] s_unary =
    [
        "Ptest", "Pabsb", "Pabsw", "Pabsd", "Sqrtps", "Sqrtpd", "Cvtdq2ps", "Cvtps2dq", "Cvttps2dq", "Cvtpd2ps", "Cvttpd2dq",
    ];

    private static void AddSimdForms(List<Form> forms)
    {
        // The second size is 16 bits so that the token m2 (memory of the second size) is a word operand.
        void Add(string method, params string[] shapes)
        {
            Mnemonic mnemonic = Enum.Parse<Mnemonic>(method);
            foreach (string shape in shapes)
            {
                forms.Add(new Form($"{method}({shape})", method, shape, OperandSize.S64, OperandSize.S16, _ => mnemonic));
            }
        }

        // ---- legacy ----
        foreach (string move in new[] { "Movdqa", "Movdqu", "Movaps", "Movups" })
        {
            Add(move, "x,x", "x,m16", "m16,x");
        }
        Add("Movddup", "x,x", "x,m8");
        Add("Movlhps", "x,x");
        Add("Movhlps", "x,x");
        foreach (string op in s_binary)
        {
            Add(op, "x,x", "x,m16");
        }
        foreach (string op in s_unary)
        {
            Add(op, "x,x", "x,m16");
        }
        foreach (string extend in new[] { "Pmovsxbw", "Pmovsxwd", "Pmovsxdq", "Pmovzxbw", "Pmovzxwd", "Pmovzxdq", "Cvtdq2pd", "Cvtps2pd" })
        {
            Add(extend, "x,x", "x,m8");
        }
        foreach (string shift in new[] { "Psllw", "Pslld", "Psllq", "Psrlw", "Psrld", "Psrlq", "Psraw", "Psrad", "Pslldq", "Psrldq" })
        {
            Add(shift, "x,ib");
        }
        foreach (string shuffle in new[] { "Pshufd", "Pshuflw", "Pshufhw", "Shufps", "Palignr", "Pblendw" })
        {
            Add(shuffle, "x,x,ib", "x,m16,ib");
        }
        Add("Shufpd", "x,x,ib4", "x,m16,ib4");
        Add("Blendps", "x,x,ib16", "x,m16,ib16");
        Add("Blendpd", "x,x,ib4", "x,m16,ib4");
        Add("Insertps", "x,x,ib", "x,m4,ib");
        Add("Cmpps", "x,x,cmp", "x,m16,cmp");
        Add("Cmppd", "x,x,cmp", "x,m16,cmp");
        Add("Roundps", "x,x,rnd", "x,m16,rnd");
        Add("Roundpd", "x,x,rnd", "x,m16,rnd");
        foreach (string blend in new[] { "Pblendvb", "Blendvps", "Blendvpd" })
        {
            // Iced lists only the two explicit operands; the implicit xmm0 mask is not an operand of the decoded instruction.
            Add(blend, "x,x", "x,m16");
        }
        Add("Pinsrb", "x,r32,ib16", "x,m1,ib16");
        Add("Pinsrw", "x,r32,ib8", "x,m2,ib8");
        Add("Pinsrd", "x,r32,ib4", "x,m4,ib4");
        Add("Pinsrq", "x,r64,ib2", "x,m8,ib2");
        Add("Pextrb", "r32,x,ib16", "m1,x,ib16");
        Add("Pextrw", "r32,x,ib8", "m2,x,ib8");
        Add("Pextrd", "r32,x,ib4", "m4,x,ib4");
        Add("Pextrq", "r64,x,ib2", "m8,x,ib2");
        Add("Extractps", "r32,x,ib4", "m4,x,ib4");
        Add("Pmovmskb", "r32,x");
        Add("Movmskps", "r32,x");
        Add("Movmskpd", "r32,x");

        // ---- VEX ----
        foreach (string move in new[] { "Vmovdqa", "Vmovdqu", "Vmovaps", "Vmovups" })
        {
            Add(move, "x,x", "x,m16", "m16,x");
        }
        Add("Vmovlhps", "x,x,x");
        Add("Vmovhlps", "x,x,x");
        foreach (string op in s_binary)
        {
            Add("V" + op.ToLowerInvariant(), "x,x,x", "x,x,m16");
        }
        foreach (string shift in new[] { "Vpsllw", "Vpslld", "Vpsllq", "Vpsrlw", "Vpsrld", "Vpsrlq", "Vpsraw", "Vpsrad", "Vpslldq", "Vpsrldq" })
        {
            Add(shift, "x,x,ib");
        }
        Add("Vpbroadcastb", "x,x", "x,m1");
        Add("Vpbroadcastw", "x,x", "x,m2");
        Add("Vpbroadcastd", "x,x", "x,m4");
        Add("Vpbroadcastq", "x,x", "x,m8");
        Add("Vbroadcastss", "x,x", "x,m4");
        foreach (string shuffle in new[] { "Vshufps", "Vpalignr", "Vpblendw" })
        {
            Add(shuffle, "x,x,x,ib", "x,x,m16,ib");
        }
        Add("Vshufpd", "x,x,x,ib4", "x,x,m16,ib4");
        Add("Vblendps", "x,x,x,ib16", "x,x,m16,ib16");
        Add("Vblendpd", "x,x,x,ib4", "x,x,m16,ib4");
        Add("Vinsertps", "x,x,x,ib", "x,x,m4,ib");
        Add("Vcmpps", "x,x,x,vcmp", "x,x,m16,vcmp");
        Add("Vcmppd", "x,x,x,vcmp", "x,x,m16,vcmp");
        Add("Vpinsrb", "x,x,r32,ib16", "x,x,m1,ib16");
        Add("Vpinsrw", "x,x,r32,ib8", "x,x,m2,ib8");
        Add("Vpinsrd", "x,x,r32,ib4", "x,x,m4,ib4");
        Add("Vpinsrq", "x,x,r64,ib2", "x,x,m8,ib2");
        foreach (string blend in new[] { "Vpblendvb", "Vblendvps", "Vblendvpd" })
        {
            Add(blend, "x,x,x,x", "x,x,m16,x");
        }
    }
}
