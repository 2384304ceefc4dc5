using System.Globalization;
using System.Text;

namespace Kiln.Optimizing.Ir;

/// <summary>
/// Prints a function in the text form <see cref="IrParser"/> reads (the syntax is described there). The output is
/// canonical: parsing it and printing again gives the same text, which the filetests rely on.
/// </summary>
internal static class IrPrinter
{
    public static string Print(IrFunction f)
    {
        var sb = new StringBuilder();
        sb.Append("function %").Append(f.Name).Append('(').AppendJoin(", ", f.Params.Select(t => t.ToText())).Append(')');
        if (f.Results.Length > 0)
        {
            sb.Append(" -> ").AppendJoin(", ", f.Results.Select(t => t.ToText()));
        }
        sb.Append(" {\n");
        foreach (int b in f.Layout)
        {
            sb.Append("block").Append(b);
            List<int> ps = f.Block(b).Params;
            if (ps.Count > 0)
            {
                sb.Append('(').AppendJoin(", ", ps.Select(p => $"v{p}: {f.Value(p).Type.ToText()}")).Append(')');
            }
            sb.Append(":\n");
            foreach (int inst in f.Block(b).Insts)
            {
                sb.Append("    ").Append(FormatInst(f, inst)).Append('\n');
            }
        }
        sb.Append("}\n");
        return sb.ToString();
    }

    /// <summary>Whether the text form writes the controlling type after the opcode name.</summary>
    public static bool HasTypeSuffix(Op op) => op is not (Op.Jump or Op.Brif or Op.BrTable or Op.Return or Op.Trap or Op.Call or Op.CallIndirect
        or Op.CallIndirectGuard or Op.TableCopy or Op.TableInit or Op.ElemDrop or Op.MemoryFill or Op.MemoryCopy or Op.MemoryInit or Op.DataDrop);

    /// <summary>The Wasm name of a SIMD sub-opcode (i32x4.add), or simd#0xNN for a number that names none.</summary>
    public static string SimdName(int sub) => SimdInfo.TryGet(sub)?.Name ?? $"simd#0x{sub:x2}";

    /// <summary>A 128-bit constant as 0x and 32 hex digits, most significant first.</summary>
    public static string V128Text(UInt128 bits) => "0x" + bits.ToString("x32", CultureInfo.InvariantCulture);

    /// <summary>i8x16.shuffle's lane pattern: byte i of the constant is result lane i's source.</summary>
    public static string ShuffleText(UInt128 lanes)
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < 16; i++)
        {
            sb.Append(i == 0 ? "" : ", ").Append((byte)(lanes >> (8 * i)));
        }
        return sb.Append(']').ToString();
    }

    public static string TrapName(TrapCode code) => OpInfo.Snake(code.ToString());

    /// <summary>One instruction as a line of the text form (without indentation).</summary>
    public static string FormatInst(IrFunction f, int inst)
    {
        ref InstData d = ref f.Inst(inst);
        var sb = new StringBuilder();
        Span<int> results = f.ResultValues(inst);
        if (results.Length > 0)
        {
            for (int i = 0; i < results.Length; i++)
            {
                sb.Append(i == 0 ? "" : ", ").Append('v').Append(results[i]);
            }
            sb.Append(" = ");
        }
        sb.Append(OpInfo.Name(d.Op));
        if (HasTypeSuffix(d.Op))
        {
            sb.Append('.').Append(d.Type.ToText());
        }
        Span<int> args = f.Args(inst);
        switch (d.Op)
        {
            case Op.Iconst:
                sb.Append(' ').Append(d.Type == IrType.I32 ? ((int)d.Imm).ToString(CultureInfo.InvariantCulture) : d.Imm.ToString(CultureInfo.InvariantCulture));
                break;
            case Op.Fconst:
                sb.Append(" 0x").Append(d.Type == IrType.F32 ? ((uint)d.Imm).ToString("x8", CultureInfo.InvariantCulture) : ((ulong)d.Imm).ToString("x16", CultureInfo.InvariantCulture));
                break;
            case Op.GlobalGet:
                sb.Append(" g").Append(d.Imm);
                break;
            case Op.GlobalSet:
                sb.Append(" g").Append(d.Imm);
                foreach (int a in args)
                {
                    sb.Append(", v").Append(a);
                }
                break;
            case Op.Trap:
                sb.Append(' ').Append(TrapName((TrapCode)d.Imm));
                break;
            case Op.CallIndirect:
                // The element index is the last operand (Wasm's stack order) but is written first.
                if (args.Length == 0)
                {
                    break;
                }
                sb.Append(" t").Append(d.Imm).Append(", type").Append(d.Imm2).Append(", v").Append(args[^1]).Append('(');
                AppendValues(sb, args[..^1]);
                sb.Append(") : ").Append(f.Signatures[d.Aux].ToText());
                break;
            case Op.RefFunc:
                sb.Append(" fn").Append(d.Imm);
                break;
            case Op.CallIndirectGuard:
                sb.Append(" t").Append(d.Imm).Append(", fn").Append(d.Imm2);
                if (args.Length == 1)
                {
                    sb.Append(", v").Append(args[0]);
                }
                break;
            case Op.TableGet or Op.TableSet or Op.TableSize or Op.TableGrow or Op.TableFill:
                sb.Append(" t").Append(d.Imm);
                AppendTrailingValues(sb, args);
                break;
            case Op.TableCopy:
                sb.Append(" t").Append(d.Imm).Append(", t").Append(d.Imm2);
                AppendTrailingValues(sb, args);
                break;
            case Op.TableInit:
                sb.Append(" t").Append(d.Imm).Append(", e").Append(d.Imm2);
                AppendTrailingValues(sb, args);
                break;
            case Op.ElemDrop:
                sb.Append(" e").Append(d.Imm);
                break;
            case Op.MemoryInit:
                sb.Append(" d").Append(d.Imm);
                AppendTrailingValues(sb, args);
                break;
            case Op.DataDrop:
                sb.Append(" d").Append(d.Imm);
                break;
            case Op.Vconst:
                sb.Append(' ').Append((ulong)d.Imm < (ulong)f.Constants.Count ? V128Text(f.Constants[(int)d.Imm]) : $"#{d.Imm}");
                break;
            case Op.Simd:
            {
                sb.Append(' ').Append(SimdName(d.Aux));
                Wasm.Model.OpcodeInfo? info = SimdInfo.TryGet(d.Aux);
                string sep = " ";
                if (info?.Immediate == Wasm.Model.ImmediateKind.Shuffle)
                {
                    sb.Append(' ').Append((ulong)d.Imm < (ulong)f.Constants.Count ? ShuffleText(f.Constants[(int)d.Imm]) : $"#{d.Imm}");
                    sep = ", ";
                }
                else if (info is not null && SimdInfo.HasLane(info))
                {
                    sb.Append(' ').Append(d.Imm);
                    sep = ", ";
                }
                if (args.Length > 0)
                {
                    sb.Append(sep);
                    AppendValues(sb, args);
                }
                break;
            }
            case Op.SimdLoad or Op.SimdStore:
            {
                sb.Append(' ').Append(SimdName(d.Aux));
                Wasm.Model.OpcodeInfo? info = SimdInfo.TryGet(d.Aux);
                if (info is not null && SimdInfo.HasLane(info))
                {
                    sb.Append(' ').Append(d.Imm2).Append(',');
                }
                if (args.Length > 0)
                {
                    sb.Append(" v").Append(args[0]);
                    if (d.Imm != 0)
                    {
                        sb.Append('+').Append(d.Imm);
                    }
                    AppendTrailingValues(sb, args[1..]);
                }
                break;
            }
            case Op.Call:
                sb.Append(" fn").Append(d.Imm).Append('(');
                AppendValues(sb, args);
                sb.Append(") : ").Append(f.Signatures[d.Aux].ToText());
                break;
            case Op.Jump:
            case Op.Brif:
            {
                // Written from what the instruction holds, so a malformed one still prints for the verifier's message.
                string sep = " ";
                if (args.Length > 0)
                {
                    sb.Append(" v").Append(args[0]);
                    sep = ", ";
                }
                foreach (BlockCall call in f.Targets(inst))
                {
                    sb.Append(sep);
                    AppendCall(sb, f, call);
                    sep = ", ";
                }
                break;
            }
            case Op.BrTable:
            {
                // The default first, then the table: the default is the one target every br_table has.
                Span<BlockCall> targets = f.Targets(inst);
                if (targets.Length == 0 || args.Length == 0)
                {
                    break;
                }
                sb.Append(" v").Append(args[0]).Append(", ");
                AppendCall(sb, f, targets[^1]);
                sb.Append(", [");
                for (int i = 0; i < targets.Length - 1; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(", ");
                    }
                    AppendCall(sb, f, targets[i]);
                }
                sb.Append(']');
                break;
            }
            default:
                if ((OpInfo.IsLoad(d.Op) || OpInfo.IsStore(d.Op)) && args.Length > 0)
                {
                    sb.Append(" v").Append(args[0]);
                    if (d.Imm != 0)
                    {
                        sb.Append('+').Append(d.Imm);
                    }
                    if (args.Length > 1)
                    {
                        sb.Append(", v").Append(args[1]);
                    }
                }
                else if (args.Length > 0)
                {
                    sb.Append(' ');
                    AppendValues(sb, args);
                }
                break;
        }
        return sb.ToString();
    }

    private static void AppendValues(StringBuilder sb, ReadOnlySpan<int> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            sb.Append(i == 0 ? "v" : ", v").Append(values[i]);
        }
    }

    /// <summary>", v1, v2" after immediates.</summary>
    private static void AppendTrailingValues(StringBuilder sb, ReadOnlySpan<int> values)
    {
        foreach (int v in values)
        {
            sb.Append(", v").Append(v);
        }
    }

    private static void AppendCall(StringBuilder sb, IrFunction f, in BlockCall call)
    {
        sb.Append("block").Append(call.Block);
        if (call.ArgCount > 0)
        {
            sb.Append('(');
            AppendValues(sb, f.CallArgs(call));
            sb.Append(')');
        }
    }
}
