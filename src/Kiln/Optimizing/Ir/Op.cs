namespace Kiln.Optimizing.Ir;

/// <summary>
/// IR opcodes. An instruction is an opcode plus one controlling type (<see cref="InstData.Type"/>): the result type,
/// except for comparisons, eqz, stores and global_set, where it is the operand type (<see cref="OpInfo.ResultType"/>).
/// Conversions take their source type from the operand's value, so <c>trunc_s.i32 v1</c> means i32.trunc_f32_s or
/// i32.trunc_f64_s as v1 is f32 or f64.
/// </summary>
internal enum Op : byte
{
    Iconst, Fconst,
    Iadd, Isub, Imul, Sdiv, Udiv, Srem, Urem, Band, Bor, Bxor, Ishl, Sshr, Ushr, Rotl, Rotr,
    Clz, Ctz, Popcnt, Eqz, Sextend8, Sextend16, Sextend32,
    Ieq, Ine, Islt, Iult, Isgt, Iugt, Isle, Iule, Isge, Iuge,
    Fadd, Fsub, Fmul, Fdiv, Fmin, Fmax, Fcopysign,
    Fabs, Fneg, Fceil, Ffloor, Ftrunc, Fnearest, Fsqrt,
    Feq, Fne, Flt, Fgt, Fle, Fge,
    Wrap, Sextend, Uextend, TruncS, TruncU, TruncSatS, TruncSatU, ConvertS, ConvertU, Demote, Promote, Bitcast,
    Select,
    Load, Sload8, Uload8, Sload16, Uload16, Sload32, Uload32, Store, Store8, Store16, Store32,
    GlobalGet, GlobalSet, MemorySize, MemoryGrow,
    Call,
    Jump, Brif, BrTable, Return, Trap,
}

/// <summary>What a pass may do with an instruction.</summary>
internal enum OpKind : byte
{
    /// <summary>No effect and no trap: may be removed when unused, merged with an equal one, moved.</summary>
    Pure,
    /// <summary>Deterministic but may trap (division, float-to-int): may be merged with an equal dominating one, never removed or moved.</summary>
    Trapping,
    /// <summary>Reads or writes state (memory, globals, calls): kept in place.</summary>
    Effect,
    /// <summary>Ends a block.</summary>
    Terminator,
}

/// <summary>Static facts per opcode: text name, kind, operand count (-1: variable).</summary>
internal static class OpInfo
{
    private static readonly string[] s_names = BuildNames();
    private static readonly Dictionary<string, Op> s_byName = BuildByName();

    public static string Name(Op op) => s_names[(int)op];

    public static bool TryParse(string name, out Op op) => s_byName.TryGetValue(name, out op);

    public static OpKind Kind(Op op) => op switch
    {
        Op.Sdiv or Op.Udiv or Op.Srem or Op.Urem or Op.TruncS or Op.TruncU => OpKind.Trapping,
        >= Op.Load and <= Op.Call => OpKind.Effect,
        >= Op.Jump => OpKind.Terminator,
        _ => OpKind.Pure,
    };

    public static bool IsCompare(Op op) => op is >= Op.Ieq and <= Op.Iuge or >= Op.Feq and <= Op.Fge or Op.Eqz;

    public static bool IsLoad(Op op) => op is >= Op.Load and <= Op.Uload32;

    public static bool IsStore(Op op) => op is >= Op.Store and <= Op.Store32;

    /// <summary>Bytes a load or store accesses.</summary>
    public static int AccessSize(Op op, IrType type) => op switch
    {
        Op.Sload8 or Op.Uload8 or Op.Store8 => 1,
        Op.Sload16 or Op.Uload16 or Op.Store16 => 2,
        Op.Sload32 or Op.Uload32 or Op.Store32 => 4,
        _ => type is IrType.I64 or IrType.F64 ? 8 : 4,
    };

    /// <summary>Fixed operand count, or -1 for calls, branches and return.</summary>
    public static int OperandCount(Op op) => op switch
    {
        Op.Iconst or Op.Fconst or Op.GlobalGet or Op.MemorySize or Op.Trap or Op.Jump => 0,
        Op.Select => 3,
        >= Op.Iadd and <= Op.Rotr or >= Op.Ieq and <= Op.Iuge or >= Op.Fadd and <= Op.Fcopysign or >= Op.Feq and <= Op.Fge => 2,
        Op.Store or Op.Store8 or Op.Store16 or Op.Store32 => 2,
        Op.Call or Op.Return => -1,
        _ => 1,
    };

    /// <summary>The result type, or null for instructions without a result (stores, global_set, terminators, calls).</summary>
    public static IrType? ResultType(Op op, IrType type)
    {
        if (IsCompare(op))
        {
            return IrType.I32;
        }
        if (IsStore(op) || Kind(op) == OpKind.Terminator || op is Op.GlobalSet or Op.Call)
        {
            return null;
        }
        return type;
    }

    private static string[] BuildNames()
    {
        var names = new string[(int)Op.Trap + 1];
        for (int i = 0; i < names.Length; i++)
        {
            names[i] = Snake(((Op)i).ToString());
        }
        return names;
    }

    /// <summary>PascalCase to snake_case, keeping digits with the word before them (Sload8 → sload8, TruncSatS → trunc_sat_s).</summary>
    public static string Snake(string name)
    {
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    sb.Append('_');
                }
                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }

    private static Dictionary<string, Op> BuildByName()
    {
        var map = new Dictionary<string, Op>(StringComparer.Ordinal);
        for (int i = 0; i < s_names.Length; i++)
        {
            map[s_names[i]] = (Op)i;
        }
        return map;
    }
}
