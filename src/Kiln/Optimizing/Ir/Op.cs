using Kiln.Wasm.Model;

namespace Kiln.Optimizing.Ir;

/// <summary>
/// IR opcodes. An instruction is an opcode plus one controlling type (<see cref="InstData.Type"/>): the result type,
/// except for comparisons, eqz, ref_is_null, stores, global_set and the table operations, where it is the operand
/// (or element) type (<see cref="OpInfo.ResultType"/>). Conversions take their source type from the operand's value,
/// so <c>trunc_s.i32 v1</c> means i32.trunc_f32_s or i32.trunc_f64_s as v1 is f32 or f64.
/// <see cref="CallIndirectGuard"/> is no Wasm instruction: speculation on a call_indirect site's profiled target
/// (<c>OptimizingCompiler</c>) makes it, an i32 that says whether table <c>Imm</c>'s entry at the operand is function
/// <c>Imm2</c> of the running instance, after the call_indirect's own bounds and null traps.
/// </summary>
/// <remarks>
/// The SIMD instructions are three opcodes, not hundreds: <see cref="Simd"/> (every lane-wise, lane-access, shuffle,
/// splat and conversion instruction; pure), <see cref="SimdLoad"/> and <see cref="SimdStore"/> (the v128 memory
/// instructions other than plain v128.load/store, which are <see cref="Load"/>/<see cref="Store"/> of type v128).
/// Each carries the Wasm SIMD sub-opcode (the byte after 0xFD) in <see cref="InstData.Aux"/>; its operand and result
/// types are the Wasm opcode table's (<see cref="SimdInfo"/>), and its semantics the interpreter's.
/// </remarks>
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
    CallIndirect,
    CallIndirectGuard,
    RefNull, RefIsNull, RefFunc,
    TableGet, TableSet, TableSize, TableGrow, TableFill, TableCopy, TableInit, ElemDrop,
    MemoryFill, MemoryCopy, MemoryInit, DataDrop,
    Vconst, Simd, SimdLoad, SimdStore,
    Jump, Brif, BrTable, Return, Trap,
}

/// <summary>What a pass may do with an instruction.</summary>
internal enum OpKind : byte
{
    /// <summary>No effect and no trap: may be removed when unused, merged with an equal one, moved.</summary>
    Pure,
    /// <summary>Deterministic but may trap (division, float-to-int): may be merged with an equal dominating one, never removed or moved.</summary>
    Trapping,
    /// <summary>Reads or writes state (memory, globals, tables, segments, calls): kept in place, never moved across another.</summary>
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
        // ref.func names a function of the instance: a constant for the function's lifetime.
        Op.RefNull or Op.RefIsNull or Op.RefFunc or Op.Vconst or Op.Simd => OpKind.Pure,
        >= Op.Load and <= Op.SimdStore => OpKind.Effect,
        >= Op.Jump => OpKind.Terminator,
        _ => OpKind.Pure,
    };

    public static bool IsCompare(Op op) => op is >= Op.Ieq and <= Op.Iuge or >= Op.Feq and <= Op.Fge or Op.Eqz or Op.RefIsNull;

    /// <summary>The scalar and plain v128 loads (address+offset operand syntax); <see cref="Op.SimdLoad"/> is separate.</summary>
    public static bool IsLoad(Op op) => op is >= Op.Load and <= Op.Uload32;

    public static bool IsStore(Op op) => op is >= Op.Store and <= Op.Store32;

    /// <summary>Bytes a load or store accesses.</summary>
    public static int AccessSize(Op op, IrType type) => op switch
    {
        Op.Sload8 or Op.Uload8 or Op.Store8 => 1,
        Op.Sload16 or Op.Uload16 or Op.Store16 => 2,
        Op.Sload32 or Op.Uload32 or Op.Store32 => 4,
        _ => type switch { IrType.I64 or IrType.F64 => 8, IrType.V128 => 16, _ => 4 },
    };

    /// <summary>Fixed operand count, or -1 for calls, branches, return and the SIMD opcodes (see <see cref="SimdInfo"/>).</summary>
    public static int OperandCount(Op op) => op switch
    {
        Op.Iconst or Op.Fconst or Op.GlobalGet or Op.MemorySize or Op.Trap or Op.Jump => 0,
        Op.RefNull or Op.RefFunc or Op.TableSize or Op.ElemDrop or Op.DataDrop or Op.Vconst => 0,
        Op.TableSet or Op.TableGrow => 2,
        Op.Select or Op.TableFill or Op.TableCopy or Op.TableInit or Op.MemoryFill or Op.MemoryCopy or Op.MemoryInit => 3,
        Op.Simd or Op.SimdLoad or Op.SimdStore => -1,
        >= Op.Iadd and <= Op.Rotr or >= Op.Ieq and <= Op.Iuge or >= Op.Fadd and <= Op.Fcopysign or >= Op.Feq and <= Op.Fge => 2,
        Op.Store or Op.Store8 or Op.Store16 or Op.Store32 => 2,
        Op.Call or Op.CallIndirect or Op.Return => -1,
        _ => 1,
    };

    /// <summary>
    /// The result type, or null for instructions without a result (stores, global_set, terminators, calls, the bulk
    /// operations). For <see cref="Op.Simd"/> and <see cref="Op.SimdLoad"/> the controlling type is the result type.
    /// </summary>
    public static IrType? ResultType(Op op, IrType type)
    {
        if (IsCompare(op) || op is Op.TableSize or Op.TableGrow)
        {
            return IrType.I32;
        }
        if (IsStore(op) || Kind(op) == OpKind.Terminator
            || op is Op.GlobalSet or Op.Call or Op.CallIndirect or Op.TableSet or Op.TableFill or Op.TableCopy or Op.TableInit
                or Op.ElemDrop or Op.MemoryFill or Op.MemoryCopy or Op.MemoryInit or Op.DataDrop or Op.SimdStore)
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

/// <summary>
/// Facts about the Wasm SIMD sub-opcodes that <see cref="Op.Simd"/>, <see cref="Op.SimdLoad"/> and
/// <see cref="Op.SimdStore"/> carry: the Wasm opcode table gives every one fixed operand and result types and its
/// immediate kind, so the IR needs no table of its own.
/// </summary>
internal static class SimdInfo
{
    /// <summary>The opcode table's entry for SIMD sub-opcode <paramref name="sub"/>, or null when there is none.</summary>
    public static OpcodeInfo? TryGet(int sub) => (uint)sub <= 0xFF ? OpcodeTable.TryGetPrefixed(0xFD, (uint)sub) : null;

    /// <summary>The IR opcode for a SIMD instruction (plain v128.load/store excepted, which are load/store.v128).</summary>
    public static Op IrOp(OpcodeInfo info) => info.Immediate switch
    {
        ImmediateKind.MemArg or ImmediateKind.MemArgLane => info.Results.Length == 0 ? Op.SimdStore : Op.SimdLoad,
        _ => Op.Simd,
    };

    /// <summary>Whether the instruction has a lane index immediate.</summary>
    public static bool HasLane(OpcodeInfo info) => info.Immediate is ImmediateKind.Lane or ImmediateKind.MemArgLane;

    /// <summary>
    /// Whether a float lane is read or produced (f32x4/f64x2 operations and conversions from or to them): such
    /// results may be NaNs whose payload engines choose, so the folder leaves them alone.
    /// </summary>
    public static bool TouchesFloats(OpcodeInfo info) => info.Name.Contains("f32", StringComparison.Ordinal) || info.Name.Contains("f64", StringComparison.Ordinal);
}
