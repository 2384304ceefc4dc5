using System.Reflection;
using System.Text;
using Iced.Intel;
using Kiln.Jit.Linking;
using Kiln.Jit.X64;
using Assembler = Kiln.Jit.X64.Assembler;
using Label = Kiln.Jit.X64.Label;

namespace Kiln.Jit.Tests.X64;

/// <summary>
/// Every instruction form, encoded with seeded random operands and decoded again by Iced: mnemonic,
/// registers, memory operand (base, index, scale, displacement, RIP target, size) and immediates must
/// come back unchanged, and the decoded length must be exactly what was emitted. Operands cycle so
/// that every register of each class and every addressing special case appears in every form.
/// </summary>
public sealed partial class RoundTripTests
{
    private const ulong CodeAddress = 0x7F12_3400_0000;
    private const ulong DataAddress = 0x7F12_3500_0000;
    private const int Iterations = 160;

    public static TheoryData<string> FormNames()
    {
        var data = new TheoryData<string>();
        foreach (Form form in Forms.Value)
        {
            data.Add(form.Name);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(FormNames))]
    public void EncodesLikeIcedDecodes(string formName)
    {
        Form form = Forms.Value.Single(f => f.Name == formName);
        MethodInfo method = form.Resolve();
        var asm = new Assembler(CpuFeatures.All);
        var random = new Random(StableSeed(formName));
        for (int i = 0; i < Iterations; i++)
        {
            asm.Reset();
            Label label = asm.CreateLabel();
            var ops = Ops.Create(i, random, asm, label);
            (object[] args, List<Exp> expected) = form.Bind(ops);
            method.Invoke(asm, args);
            int length = asm.Position;
            asm.Nop(1 + random.Next(40));
            asm.Bind(label);
            asm.Finish();
            byte[] code = asm.Code.ToArray();
            byte[] data = asm.ReadOnlyData.ToArray();
            Relocator.Apply(code, data, asm.Relocations, new RelocationContext(CodeAddress, DataAddress, [], null));

            Instruction decoded = IcedOracle.DecodeOne(code, CodeAddress);
            string context = $"{formName} #{i}: {IcedOracle.Hex(code.AsSpan(0, length))} decoded as '{Disassembler.Format(decoded)}'";
            Assert.True(decoded.Length == length, $"{context}: decoded {decoded.Length} bytes, emitted {length}");
            Assert.Equal(Describe(form.Mnemonic(ops), expected, ops, asm), Describe(decoded), StringComparer.Ordinal);
        }
    }

    private static int StableSeed(string text)
    {
        int seed = 17;
        foreach (char c in text)
        {
            seed = seed * 31 + c;
        }
        return seed;
    }

    private static string Describe(Mnemonic mnemonic, List<Exp> operands, Ops ops, Assembler asm)
    {
        var text = new StringBuilder(mnemonic.ToString());
        foreach (Exp operand in operands)
        {
            text.Append(" | ");
            switch (operand)
            {
                case RegExp r:
                    text.Append(r.Register);
                    break;
                case ImmExp imm:
                    text.Append("imm:").Append(Mask((ulong)imm.Value, imm.Bits).ToString("x"));
                    break;
                case MemExp m:
                    Mem mem = m.Mem;
                    Register baseReg = mem.HasBase ? IcedOracle.Reg(OperandSize.S64, mem.Base) : Register.None;
                    Register indexReg = mem.HasIndex ? IcedOracle.Reg(OperandSize.S64, mem.Index) : Register.None;
                    int scale = mem.HasIndex ? mem.Scale : 1;
                    ulong disp = (ulong)(long)mem.Disp;
                    if (mem.Kind == MemKind.RipLabel)
                    {
                        baseReg = Register.RIP;
                        disp = CodeAddress + (ulong)asm.GetLabelOffset(ops.Label) + (ulong)(long)mem.Disp;
                    }
                    else if (mem.Kind == MemKind.RipConstant)
                    {
                        baseReg = Register.RIP;
                        disp = DataAddress + (ulong)mem.Target;
                    }
                    text.Append($"mem[{baseReg}+{indexReg}*{scale}+0x{disp:x}]");
                    if (m.Size > 0)
                    {
                        text.Append(':').Append(m.Size);
                    }
                    break;
            }
        }
        return text.ToString();
    }

    private static string Describe(Instruction instruction)
    {
        var text = new StringBuilder(instruction.Mnemonic.ToString());
        for (int i = 0; i < instruction.OpCount; i++)
        {
            text.Append(" | ");
            OpKind kind = instruction.GetOpKind(i);
            switch (kind)
            {
                case OpKind.Register:
                    text.Append(instruction.GetOpRegister(i));
                    break;
                case OpKind.Memory:
                    text.Append($"mem[{instruction.MemoryBase}+{instruction.MemoryIndex}*{instruction.MemoryIndexScale}+0x{instruction.MemoryDisplacement64:x}]");
                    int size = instruction.MemorySize.GetSize();
                    if (size > 0 && instruction.Mnemonic != Mnemonic.Lea)
                    {
                        text.Append(':').Append(size);
                    }
                    break;
                case OpKind.Immediate8 or OpKind.Immediate8_2nd or OpKind.Immediate16 or OpKind.Immediate32 or OpKind.Immediate64 or
                    OpKind.Immediate8to16 or OpKind.Immediate8to32 or OpKind.Immediate8to64 or OpKind.Immediate32to64:
                    int bits = kind switch
                    {
                        OpKind.Immediate8 or OpKind.Immediate8_2nd => 8,
                        OpKind.Immediate16 or OpKind.Immediate8to16 => 16,
                        OpKind.Immediate32 or OpKind.Immediate8to32 => 32,
                        _ => 64,
                    };
                    text.Append("imm:").Append(Mask(instruction.GetImmediate(i), bits).ToString("x"));
                    break;
                default:
                    text.Append(kind);
                    break;
            }
        }
        return text.ToString();
    }

    private static ulong Mask(ulong value, int bits) => bits >= 64 ? value : value & ((1UL << bits) - 1);

    // ---- operands ----

    /// <summary>The operands of one iteration.</summary>
    internal sealed class Ops
    {
        public required Gpr[] G { get; init; }
        public required Xmm[] X { get; init; }
        public required Mem M { get; init; }
        public required Label Label { get; init; }
        public required Random Random { get; init; }
        public required Condition Condition { get; init; }

        public static Ops Create(int i, Random random, Assembler asm, Label label)
        {
            // Register 0 walks all 16 in order, register 1 is random: every register appears in
            // both ModRM.reg and ModRM.rm positions over the iterations.
            // xmm 2 walks all 16 too (5 is odd, so i * 5 covers every residue), so VEX.vvvv sees every
            // register; xmm 3 (the is4 mask of vpblendvb and friends) is random.
            int g1 = random.Next(16);
            int x1 = random.Next(16);
            Mem mem = MakeMem(i, random, asm, label);
            int x3 = random.Next(16);
            return new Ops
            {
                G = [Gpr.FromIndex(i % 16), Gpr.FromIndex(g1)],
                X = [Xmm.FromIndex((i + 3) % 16), Xmm.FromIndex(x1), Xmm.FromIndex((i * 5 + 1) % 16), Xmm.FromIndex(x3)],
                M = mem,
                Label = label,
                Random = random,
                Condition = (Condition)(i % 16),
            };
        }

        private static readonly int[] s_boundaryDisplacements = [0, 127, 128, -128, -129, int.MaxValue, int.MinValue, 1, -1, 255, 256];

        /// <summary>
        /// Addressing forms by <c>i % 10</c>, with the base walking all 16 registers by <c>i / 10</c>:
        /// so rsp/r12 (SIB needed) and rbp/r13 (disp8 of zero needed) meet every form.
        /// </summary>
        private static Mem MakeMem(int i, Random random, Assembler asm, Label label)
        {
            Gpr @base = Gpr.FromIndex(i / 10 % 16);
            int indexNumber = (i / 10 + 5 + random.Next(15)) % 16;
            Gpr index = Gpr.FromIndex(indexNumber == 4 ? 12 : indexNumber);
            int scale = 1 << random.Next(4);
            int disp8 = random.Next(-128, 128);
            int disp32 = random.Next() * (random.Next(2) == 0 ? 1 : -1);
            int boundary = s_boundaryDisplacements[random.Next(s_boundaryDisplacements.Length)];
            return (i % 10) switch
            {
                0 => Mem.At(@base),
                1 => Mem.At(@base, disp8),
                2 => Mem.At(@base, disp32),
                3 => Mem.At(@base, index, scale, random.Next(2) == 0 ? disp8 : disp32),
                4 => Mem.Indexed(index, scale, disp32),
                5 => Mem.Absolute(disp32),
                6 => Mem.At(@base, boundary),
                7 => Mem.At(@base, index, scale, boundary),
                8 => Mem.Rip(label, random.Next(-64, 64)),
                _ => (i / 10 % 4) switch
                {
                    0 => asm.ConstF64(random.NextDouble()),
                    1 => asm.ConstF32((float)random.NextDouble()),
                    2 => asm.Const128((ulong)random.NextInt64(), (ulong)random.NextInt64()),
                    _ => asm.ConstI64(random.NextInt64()),
                },
            };
        }
    }

    internal abstract record Exp;
    internal sealed record RegExp(Register Register) : Exp;
    internal sealed record MemExp(Mem Mem, int Size) : Exp;
    internal sealed record ImmExp(long Value, int Bits) : Exp;

    // ---- forms ----

    /// <summary>
    /// One instruction form: the <see cref="Assembler"/> method and the shape of its arguments. Shape
    /// tokens: S/S2 the form's sizes (argument only); r/r2/r8/r32/r64 a Gpr at that size; x an Xmm;
    /// m/m2/mN memory of that many bytes (m0: size not compared); i an immediate of the form's size;
    /// n a shift count or bit index; L an imm64; cc a condition (argument only); cl the implicit cl;
    /// rnd a rounding mode; u16 a ret immediate; ib an imm8 (a byte argument), ibN one below N (a lane
    /// or a mask of that many values); cmp a legacy cmpps predicate, vcmp any <see cref="FloatComparison"/>.
    /// </summary>
    internal sealed record Form(string Name, string Method, string Shape, OperandSize Size, OperandSize Size2, Func<Ops, Mnemonic> Mnemonic)
    {
        private string[] Tokens => Shape.Length == 0 ? [] : Shape.Split(',');

        public MethodInfo Resolve()
        {
            var types = new List<Type>();
            foreach (string token in Tokens)
            {
                Type? type = token switch
                {
                    "S" or "S2" => typeof(OperandSize),
                    "cc" => typeof(Condition),
                    "x" => typeof(Xmm),
                    "i" or "n" => typeof(int),
                    "L" => typeof(long),
                    "rnd" => typeof(RoundingMode),
                    "u16" => typeof(ushort),
                    "cmp" or "vcmp" => typeof(FloatComparison),
                    "cl" => null,
                    _ when token.StartsWith("ib", StringComparison.Ordinal) => typeof(byte),
                    _ when token[0] == 'r' => typeof(Gpr),
                    _ when token[0] == 'm' => typeof(Mem),
                    _ => throw new InvalidOperationException(token),
                };
                if (type is not null)
                {
                    types.Add(type);
                }
            }
            return typeof(Assembler).GetMethod(Method, [.. types])
                ?? throw new InvalidOperationException($"No Assembler.{Method}({string.Join(", ", types.Select(t => t.Name))})");
        }

        public (object[] Args, List<Exp> Expected) Bind(Ops ops)
        {
            var args = new List<object>();
            var expected = new List<Exp>();
            int g = 0, x = 0;
            int bits = (int)Size * 8;
            foreach (string token in Tokens)
            {
                switch (token)
                {
                    case "S":
                        args.Add(Size);
                        break;
                    case "S2":
                        args.Add(Size2);
                        break;
                    case "cc":
                        args.Add(ops.Condition);
                        break;
                    case "cl":
                        expected.Add(new RegExp(Register.CL));
                        break;
                    case "cmp" or "vcmp":
                    {
                        FloatComparison predicate = token == "cmp"
                            ? (FloatComparison)ops.Random.Next(8)
                            : s_predicates[ops.Random.Next(s_predicates.Length)];
                        args.Add(predicate);
                        expected.Add(new ImmExp((int)predicate, 8));
                        break;
                    }
                    case ['i', 'b', ..]:
                    {
                        int limit = token.Length == 2 ? 256 : int.Parse(token.AsSpan(2));
                        var value = (byte)ops.Random.Next(limit);
                        args.Add(value);
                        expected.Add(new ImmExp(value, 8));
                        break;
                    }
                    case "x":
                        args.Add(ops.X[x]);
                        expected.Add(new RegExp(IcedOracle.Reg(ops.X[x++])));
                        break;
                    case "i":
                    {
                        int value = Size switch
                        {
                            OperandSize.S8 => ops.Random.Next(-128, 256),
                            OperandSize.S16 => ops.Random.Next(2) == 0 ? ops.Random.Next(-128, 128) : ops.Random.Next(-32768, 65536),
                            _ => ops.Random.Next(2) == 0 ? ops.Random.Next(-128, 128) : ops.Random.Next(int.MinValue, int.MaxValue),
                        };
                        args.Add(value);
                        expected.Add(new ImmExp(value, bits));
                        break;
                    }
                    case "n":
                    {
                        int count = ops.Random.Next(3) == 0 ? 1 : ops.Random.Next(Math.Min(bits, 64));
                        args.Add(count);
                        expected.Add(new ImmExp(count, 8));
                        break;
                    }
                    case "L":
                    {
                        long value = ops.Random.NextInt64(long.MinValue, long.MaxValue);
                        args.Add(value);
                        expected.Add(new ImmExp(value, 64));
                        break;
                    }
                    case "rnd":
                    {
                        var mode = (RoundingMode)(8 + ops.Random.Next(4));
                        args.Add(mode);
                        expected.Add(new ImmExp((int)mode, 8));
                        break;
                    }
                    case "u16":
                    {
                        var value = (ushort)ops.Random.Next(65536);
                        args.Add(value);
                        expected.Add(new ImmExp(value, 16));
                        break;
                    }
                    default:
                        if (token[0] == 'r')
                        {
                            OperandSize size = token switch
                            {
                                "r" => Size,
                                "r2" => Size2,
                                "r8" => OperandSize.S8,
                                "r32" => OperandSize.S32,
                                _ => OperandSize.S64,
                            };
                            args.Add(ops.G[g]);
                            expected.Add(new RegExp(IcedOracle.Reg(size, ops.G[g++])));
                        }
                        else
                        {
                            int memSize = token switch
                            {
                                "m" => (int)Size,
                                "m2" => (int)Size2,
                                _ => int.Parse(token.AsSpan(1)),
                            };
                            args.Add(ops.M);
                            expected.Add(new MemExp(ops.M, memSize));
                        }
                        break;
                }
            }
            return (args.ToArray(), expected);
        }
    }

    private static readonly OperandSize[] s_all = [OperandSize.S8, OperandSize.S16, OperandSize.S32, OperandSize.S64];
    private static readonly OperandSize[] s_wide = [OperandSize.S16, OperandSize.S32, OperandSize.S64];
    private static readonly OperandSize[] s_32_64 = [OperandSize.S32, OperandSize.S64];

    private static readonly Mnemonic[] s_setcc =
    [
        Mnemonic.Seto, Mnemonic.Setno, Mnemonic.Setb, Mnemonic.Setae, Mnemonic.Sete, Mnemonic.Setne, Mnemonic.Setbe, Mnemonic.Seta,
        Mnemonic.Sets, Mnemonic.Setns, Mnemonic.Setp, Mnemonic.Setnp, Mnemonic.Setl, Mnemonic.Setge, Mnemonic.Setle, Mnemonic.Setg,
    ];

    private static readonly Mnemonic[] s_cmovcc =
    [
        Mnemonic.Cmovo, Mnemonic.Cmovno, Mnemonic.Cmovb, Mnemonic.Cmovae, Mnemonic.Cmove, Mnemonic.Cmovne, Mnemonic.Cmovbe, Mnemonic.Cmova,
        Mnemonic.Cmovs, Mnemonic.Cmovns, Mnemonic.Cmovp, Mnemonic.Cmovnp, Mnemonic.Cmovl, Mnemonic.Cmovge, Mnemonic.Cmovle, Mnemonic.Cmovg,
    ];

    internal static readonly Lazy<List<Form>> Forms = new(BuildForms);

    private static List<Form> BuildForms()
    {
        var forms = new List<Form>();

        void Add(string method, Mnemonic mnemonic, IEnumerable<OperandSize> sizes, params string[] shapes)
        {
            foreach (OperandSize size in sizes)
            {
                foreach (string shape in shapes)
                {
                    forms.Add(new Form($"{method}({shape})/{(int)size * 8}", method, shape, size, size, _ => mnemonic));
                }
            }
        }

        void Add1(string method, Mnemonic mnemonic, params string[] shapes)
        {
            foreach (string shape in shapes)
            {
                forms.Add(new Form($"{method}({shape})", method, shape, OperandSize.S64, OperandSize.S64, _ => mnemonic));
            }
        }

        foreach (string alu in new[] { "Add", "Or", "Adc", "Sbb", "And", "Sub", "Xor", "Cmp", "Mov" })
        {
            Add(alu, Enum.Parse<Mnemonic>(alu), s_all, "S,r,r", "S,r,m", "S,m,r", "S,r,i", "S,m,i");
        }
        Add1("MovAbs", Mnemonic.Mov, "r64,L");
        Add("Test", Mnemonic.Test, s_all, "S,r,r", "S,m,r", "S,r,i", "S,m,i");
        foreach (string unary in new[] { "Not", "Neg", "Mul", "Imul", "Div", "Idiv", "Inc", "Dec" })
        {
            Add(unary, Enum.Parse<Mnemonic>(unary), s_all, "S,r", "S,m");
        }
        Add("Imul", Mnemonic.Imul, s_wide, "S,r,r", "S,r,m", "S,r,r,i", "S,r,m,i");
        foreach ((OperandSize dst, OperandSize src) in new[]
                 {
                     (OperandSize.S16, OperandSize.S8), (OperandSize.S32, OperandSize.S8), (OperandSize.S64, OperandSize.S8),
                     (OperandSize.S32, OperandSize.S16), (OperandSize.S64, OperandSize.S16),
                 })
        {
            foreach ((string method, Mnemonic mnemonic) in new[] { ("Movzx", Mnemonic.Movzx), ("Movsx", Mnemonic.Movsx) })
            {
                foreach (string shape in new[] { "S,r,S2,r2", "S,r,S2,m2" })
                {
                    forms.Add(new Form($"{method}({shape})/{(int)dst * 8}<-{(int)src * 8}", method, shape, dst, src, _ => mnemonic));
                }
            }
        }
        Add1("Movsxd", Mnemonic.Movsxd, "r64,r32", "r64,m4");
        Add("Lea", Mnemonic.Lea, s_wide, "S,r,m0");
        foreach (string shift in new[] { "Shl", "Shr", "Sar", "Rol", "Ror" })
        {
            Add(shift, Enum.Parse<Mnemonic>(shift), s_all, "S,r,n", "S,m,n");
            Add(shift + "Cl", Enum.Parse<Mnemonic>(shift), s_all, "S,r,cl", "S,m,cl");
        }
        Add("Bt", Mnemonic.Bt, s_wide, "S,r,r", "S,m,r", "S,r,n", "S,m,n");
        Add("Bswap", Mnemonic.Bswap, s_32_64, "S,r");
        foreach (string scan in new[] { "Bsf", "Bsr", "Lzcnt", "Tzcnt", "Popcnt" })
        {
            Add(scan, Enum.Parse<Mnemonic>(scan), s_wide, "S,r,r", "S,r,m");
        }
        forms.Add(new Form("Setcc(cc,r8)", "Setcc", "cc,r8", OperandSize.S8, OperandSize.S8, o => s_setcc[(int)o.Condition]));
        forms.Add(new Form("Setcc(cc,m1)", "Setcc", "cc,m1", OperandSize.S8, OperandSize.S8, o => s_setcc[(int)o.Condition]));
        foreach (OperandSize size in s_wide)
        {
            forms.Add(new Form($"Cmovcc(cc,S,r,r)/{(int)size * 8}", "Cmovcc", "cc,S,r,r", size, size, o => s_cmovcc[(int)o.Condition]));
            forms.Add(new Form($"Cmovcc(cc,S,r,m)/{(int)size * 8}", "Cmovcc", "cc,S,r,m", size, size, o => s_cmovcc[(int)o.Condition]));
        }
        Add("Xchg", Mnemonic.Xchg, s_all, "S,r,r", "S,m,r");
        Add1("Push", Mnemonic.Push, "r64", "m8", "i");
        Add1("Pop", Mnemonic.Pop, "r64", "m8");
        Add1("Call", Mnemonic.Call, "r64", "m8");
        Add1("Jmp", Mnemonic.Jmp, "r64", "m8");
        Add1("Ret", Mnemonic.Ret, "", "u16");
        Add1("Ud2", Mnemonic.Ud2, "");
        Add1("Int3", Mnemonic.Int3, "");
        Add1("Cdq", Mnemonic.Cdq, "");
        Add1("Cqo", Mnemonic.Cqo, "");
        Add1("Cdqe", Mnemonic.Cdqe, "");

        // SSE
        Add1("Movss", Mnemonic.Movss, "x,x", "x,m4", "m4,x");
        Add1("Movsd", Mnemonic.Movsd, "x,x", "x,m8", "m8,x");
        Add1("Movd", Mnemonic.Movd, "x,r32", "x,m4", "r32,x", "m4,x");
        Add1("Movq", Mnemonic.Movq, "x,r64", "r64,x", "x,x", "x,m8", "m8,x");
        foreach (string op in new[] { "Add", "Mul", "Sub", "Div", "Sqrt", "Min", "Max" })
        {
            Add1(op + "ss", Enum.Parse<Mnemonic>(op + "ss"), "x,x", "x,m4");
            Add1(op + "sd", Enum.Parse<Mnemonic>(op + "sd"), "x,x", "x,m8");
        }
        Add1("Ucomiss", Mnemonic.Ucomiss, "x,x", "x,m4");
        Add1("Ucomisd", Mnemonic.Ucomisd, "x,x", "x,m8");
        Add("Cvtsi2ss", Mnemonic.Cvtsi2ss, s_32_64, "x,S,r", "x,S,m");
        Add("Cvtsi2sd", Mnemonic.Cvtsi2sd, s_32_64, "x,S,r", "x,S,m");
        Add("Cvttss2si", Mnemonic.Cvttss2si, s_32_64, "S,r,x", "S,r,m4");
        Add("Cvttsd2si", Mnemonic.Cvttsd2si, s_32_64, "S,r,x", "S,r,m8");
        Add1("Cvtss2sd", Mnemonic.Cvtss2sd, "x,x", "x,m4");
        Add1("Cvtsd2ss", Mnemonic.Cvtsd2ss, "x,x", "x,m8");
        Add1("Roundss", Mnemonic.Roundss, "x,x,rnd", "x,m4,rnd");
        Add1("Roundsd", Mnemonic.Roundsd, "x,x,rnd", "x,m8,rnd");
        foreach (string op in new[] { "Add", "Mul", "Sub", "Div", "Sqrt" })
        {
            Add1("V" + op.ToLowerInvariant() + "ss", Enum.Parse<Mnemonic>("V" + op.ToLowerInvariant() + "ss"), "x,x,x", "x,x,m4");
            Add1("V" + op.ToLowerInvariant() + "sd", Enum.Parse<Mnemonic>("V" + op.ToLowerInvariant() + "sd"), "x,x,x", "x,x,m8");
        }
        Add1("Vcvtss2sd", Mnemonic.Vcvtss2sd, "x,x,x", "x,x,m4");
        Add1("Vcvtsd2ss", Mnemonic.Vcvtsd2ss, "x,x,x", "x,x,m8");
        Add("Vcvtsi2ss", Mnemonic.Vcvtsi2ss, s_32_64, "x,x,S,r", "x,x,S,m");
        Add("Vcvtsi2sd", Mnemonic.Vcvtsi2sd, s_32_64, "x,x,S,r", "x,x,S,m");
        Add1("Vroundss", Mnemonic.Vroundss, "x,x,x,rnd", "x,x,m4,rnd");
        Add1("Vroundsd", Mnemonic.Vroundsd, "x,x,x,rnd", "x,x,m8,rnd");
        AddSimdForms(forms);
        return forms;
    }
}
