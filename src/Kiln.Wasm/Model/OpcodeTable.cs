using System.Collections.Frozen;
using System.Collections.Immutable;

namespace Kiln.Wasm.Model;

/// <summary>What follows an opcode in the binary format.</summary>
public enum ImmediateKind : byte
{
    None,
    /// <summary>A block type: empty, one value type, or a type index (s33).</summary>
    BlockType,
    /// <summary>A label index (br, br_if).</summary>
    Label,
    /// <summary>A vector of label indices and a default label.</summary>
    BrTable,
    /// <summary>A function index (call, ref.func).</summary>
    Function,
    /// <summary>A type index then a table index.</summary>
    CallIndirect,
    Local,
    Global,
    /// <summary>A table index (table.get/set/grow/size/fill).</summary>
    Table,
    /// <summary>Alignment exponent and offset.</summary>
    MemArg,
    /// <summary>A memory index, which must be the byte 0 in 2.0 (memory.size/grow/fill).</summary>
    Memory,
    I32,
    I64,
    F32,
    F64,
    /// <summary>A vector of value types (select with a type annotation).</summary>
    SelectTyped,
    /// <summary>A reference type (ref.null).</summary>
    RefType,
    /// <summary>A data index then a memory index (memory.init).</summary>
    MemoryInit,
    /// <summary>A data index (data.drop).</summary>
    Data,
    /// <summary>Two memory indices (memory.copy).</summary>
    MemoryCopy,
    /// <summary>An element index then a table index (table.init).</summary>
    TableInit,
    /// <summary>An element index (elem.drop).</summary>
    Element,
    /// <summary>Destination then source table index (table.copy).</summary>
    TableCopy,
    /// <summary>16 bytes of v128.const.</summary>
    V128,
    /// <summary>16 lane indices of i8x16.shuffle.</summary>
    Shuffle,
    /// <summary>One lane index byte.</summary>
    Lane,
    /// <summary>A memarg then a lane index byte.</summary>
    MemArgLane,
}

/// <summary>
/// Facts about one opcode: its text name, its immediates, and for "simple" instructions the fixed
/// operand and result types, which lets the validator and the tiers treat the bulk of the
/// instruction set with one rule. <see cref="HasFixedTypes"/> is false for instructions whose typing is special.
/// SECURITY: the table is shared by every validation in the process, so nothing in it can be changed.
/// </summary>
public sealed class OpcodeInfo
{
    internal OpcodeInfo(Opcode opcode, string name, ImmediateKind immediate, ValType[]? parameters, ValType[]? results, byte naturalAlignmentLog2, byte laneCount)
    {
        Opcode = opcode;
        Name = name;
        Immediate = immediate;
        Params = parameters is null ? default : [.. parameters];
        Results = results is null ? default : [.. results];
        NaturalAlignmentLog2 = naturalAlignmentLog2;
        LaneCount = laneCount;
    }

    public Opcode Opcode { get; }

    public string Name { get; }

    public ImmediateKind Immediate { get; }

    /// <summary>The operand types, first operand first; default (see <see cref="HasFixedTypes"/>) when typing is special.</summary>
    public ImmutableArray<ValType> Params { get; }

    /// <summary>The result types; default when typing is special.</summary>
    public ImmutableArray<ValType> Results { get; }

    /// <summary>Whether <see cref="Params"/> and <see cref="Results"/> give the instruction's whole typing.</summary>
    public bool HasFixedTypes => !Params.IsDefault;

    public byte NaturalAlignmentLog2 { get; }

    public byte LaneCount { get; }

    public bool IsSimd => (ushort)Opcode >> 8 == 0xFD;

    public override string ToString() => Name;
}

/// <summary>
/// The one table of every 2.0 opcode, shared by the decoder, the validator, the text parser and the tiers.
/// Indexed by a dense slot: plain opcodes 0..255, <c>0xFC</c> ops 256..511, <c>0xFD</c> ops 512..767.
/// </summary>
public static class OpcodeTable
{
    private static readonly ValType[] s_none = [];
    private static readonly OpcodeInfo?[] s_bySlot = new OpcodeInfo?[768];
    private static readonly List<OpcodeInfo> s_all = new(440);
    private static readonly FrozenDictionary<string, OpcodeInfo> s_byName;

    /// <summary>Marks a slot with no opcode in <see cref="s_immediateBySlot"/>.</summary>
    internal const ImmediateKind NoOpcode = (ImmediateKind)0xFF;

    // The decoder's hot path needs only an opcode's immediate kind: one byte per slot, no object load.
    private static readonly ImmediateKind[] s_immediateBySlot = new ImmediateKind[768];

    static OpcodeTable()
    {
        Add(Opcode.Unreachable, "unreachable", ImmediateKind.None, null, null, 0, 0);
        Add(Opcode.Nop, "nop", ImmediateKind.None, null, null, 0, 0);
        Add(Opcode.Block, "block", ImmediateKind.BlockType, null, null, 0, 0);
        Add(Opcode.Loop, "loop", ImmediateKind.BlockType, null, null, 0, 0);
        Add(Opcode.If, "if", ImmediateKind.BlockType, null, null, 0, 0);
        Add(Opcode.Else, "else", ImmediateKind.None, null, null, 0, 0);
        Add(Opcode.End, "end", ImmediateKind.None, null, null, 0, 0);
        Add(Opcode.Br, "br", ImmediateKind.Label, null, null, 0, 0);
        Add(Opcode.BrIf, "br_if", ImmediateKind.Label, null, null, 0, 0);
        Add(Opcode.BrTable, "br_table", ImmediateKind.BrTable, null, null, 0, 0);
        Add(Opcode.Return, "return", ImmediateKind.None, null, null, 0, 0);
        Add(Opcode.Call, "call", ImmediateKind.Function, null, null, 0, 0);
        Add(Opcode.CallIndirect, "call_indirect", ImmediateKind.CallIndirect, null, null, 0, 0);
        Add(Opcode.Drop, "drop", ImmediateKind.None, null, null, 0, 0);
        Add(Opcode.Select, "select", ImmediateKind.None, null, null, 0, 0);
        Add(Opcode.SelectTyped, "select", ImmediateKind.SelectTyped, null, null, 0, 0);
        Add(Opcode.LocalGet, "local.get", ImmediateKind.Local, null, null, 0, 0);
        Add(Opcode.LocalSet, "local.set", ImmediateKind.Local, null, null, 0, 0);
        Add(Opcode.LocalTee, "local.tee", ImmediateKind.Local, null, null, 0, 0);
        Add(Opcode.GlobalGet, "global.get", ImmediateKind.Global, null, null, 0, 0);
        Add(Opcode.GlobalSet, "global.set", ImmediateKind.Global, null, null, 0, 0);
        Add(Opcode.TableGet, "table.get", ImmediateKind.Table, null, null, 0, 0);
        Add(Opcode.TableSet, "table.set", ImmediateKind.Table, null, null, 0, 0);
        Add(Opcode.I32Load, "i32.load", ImmediateKind.MemArg, [ValType.I32], [ValType.I32], 2, 0);
        Add(Opcode.I64Load, "i64.load", ImmediateKind.MemArg, [ValType.I32], [ValType.I64], 3, 0);
        Add(Opcode.F32Load, "f32.load", ImmediateKind.MemArg, [ValType.I32], [ValType.F32], 2, 0);
        Add(Opcode.F64Load, "f64.load", ImmediateKind.MemArg, [ValType.I32], [ValType.F64], 3, 0);
        Add(Opcode.I32Load8S, "i32.load8_s", ImmediateKind.MemArg, [ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32Load8U, "i32.load8_u", ImmediateKind.MemArg, [ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32Load16S, "i32.load16_s", ImmediateKind.MemArg, [ValType.I32], [ValType.I32], 1, 0);
        Add(Opcode.I32Load16U, "i32.load16_u", ImmediateKind.MemArg, [ValType.I32], [ValType.I32], 1, 0);
        Add(Opcode.I64Load8S, "i64.load8_s", ImmediateKind.MemArg, [ValType.I32], [ValType.I64], 0, 0);
        Add(Opcode.I64Load8U, "i64.load8_u", ImmediateKind.MemArg, [ValType.I32], [ValType.I64], 0, 0);
        Add(Opcode.I64Load16S, "i64.load16_s", ImmediateKind.MemArg, [ValType.I32], [ValType.I64], 1, 0);
        Add(Opcode.I64Load16U, "i64.load16_u", ImmediateKind.MemArg, [ValType.I32], [ValType.I64], 1, 0);
        Add(Opcode.I64Load32S, "i64.load32_s", ImmediateKind.MemArg, [ValType.I32], [ValType.I64], 2, 0);
        Add(Opcode.I64Load32U, "i64.load32_u", ImmediateKind.MemArg, [ValType.I32], [ValType.I64], 2, 0);
        Add(Opcode.I32Store, "i32.store", ImmediateKind.MemArg, [ValType.I32, ValType.I32], s_none, 2, 0);
        Add(Opcode.I64Store, "i64.store", ImmediateKind.MemArg, [ValType.I32, ValType.I64], s_none, 3, 0);
        Add(Opcode.F32Store, "f32.store", ImmediateKind.MemArg, [ValType.I32, ValType.F32], s_none, 2, 0);
        Add(Opcode.F64Store, "f64.store", ImmediateKind.MemArg, [ValType.I32, ValType.F64], s_none, 3, 0);
        Add(Opcode.I32Store8, "i32.store8", ImmediateKind.MemArg, [ValType.I32, ValType.I32], s_none, 0, 0);
        Add(Opcode.I32Store16, "i32.store16", ImmediateKind.MemArg, [ValType.I32, ValType.I32], s_none, 1, 0);
        Add(Opcode.I64Store8, "i64.store8", ImmediateKind.MemArg, [ValType.I32, ValType.I64], s_none, 0, 0);
        Add(Opcode.I64Store16, "i64.store16", ImmediateKind.MemArg, [ValType.I32, ValType.I64], s_none, 1, 0);
        Add(Opcode.I64Store32, "i64.store32", ImmediateKind.MemArg, [ValType.I32, ValType.I64], s_none, 2, 0);
        Add(Opcode.MemorySize, "memory.size", ImmediateKind.Memory, s_none, [ValType.I32], 0, 0);
        Add(Opcode.MemoryGrow, "memory.grow", ImmediateKind.Memory, [ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32Const, "i32.const", ImmediateKind.I32, s_none, [ValType.I32], 0, 0);
        Add(Opcode.I64Const, "i64.const", ImmediateKind.I64, s_none, [ValType.I64], 0, 0);
        Add(Opcode.F32Const, "f32.const", ImmediateKind.F32, s_none, [ValType.F32], 0, 0);
        Add(Opcode.F64Const, "f64.const", ImmediateKind.F64, s_none, [ValType.F64], 0, 0);
        Add(Opcode.I32Eqz, "i32.eqz", ImmediateKind.None, [ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32Eq, "i32.eq", ImmediateKind.None, [ValType.I32, ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32Ne, "i32.ne", ImmediateKind.None, [ValType.I32, ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32LtS, "i32.lt_s", ImmediateKind.None, [ValType.I32, ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32LtU, "i32.lt_u", ImmediateKind.None, [ValType.I32, ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32GtS, "i32.gt_s", ImmediateKind.None, [ValType.I32, ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32GtU, "i32.gt_u", ImmediateKind.None, [ValType.I32, ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32LeS, "i32.le_s", ImmediateKind.None, [ValType.I32, ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32LeU, "i32.le_u", ImmediateKind.None, [ValType.I32, ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32GeS, "i32.ge_s", ImmediateKind.None, [ValType.I32, ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32GeU, "i32.ge_u", ImmediateKind.None, [ValType.I32, ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I64Eqz, "i64.eqz", ImmediateKind.None, [ValType.I64], [ValType.I32], 0, 0);
        Add(Opcode.I64Eq, "i64.eq", ImmediateKind.None, [ValType.I64, ValType.I64], [ValType.I32], 0, 0);
        Add(Opcode.I64Ne, "i64.ne", ImmediateKind.None, [ValType.I64, ValType.I64], [ValType.I32], 0, 0);
        Add(Opcode.I64LtS, "i64.lt_s", ImmediateKind.None, [ValType.I64, ValType.I64], [ValType.I32], 0, 0);
        Add(Opcode.I64LtU, "i64.lt_u", ImmediateKind.None, [ValType.I64, ValType.I64], [ValType.I32], 0, 0);
        Add(Opcode.I64GtS, "i64.gt_s", ImmediateKind.None, [ValType.I64, ValType.I64], [ValType.I32], 0, 0);
        Add(Opcode.I64GtU, "i64.gt_u", ImmediateKind.None, [ValType.I64, ValType.I64], [ValType.I32], 0, 0);
        Add(Opcode.I64LeS, "i64.le_s", ImmediateKind.None, [ValType.I64, ValType.I64], [ValType.I32], 0, 0);
        Add(Opcode.I64LeU, "i64.le_u", ImmediateKind.None, [ValType.I64, ValType.I64], [ValType.I32], 0, 0);
        Add(Opcode.I64GeS, "i64.ge_s", ImmediateKind.None, [ValType.I64, ValType.I64], [ValType.I32], 0, 0);
        Add(Opcode.I64GeU, "i64.ge_u", ImmediateKind.None, [ValType.I64, ValType.I64], [ValType.I32], 0, 0);
        Add(Opcode.F32Eq, "f32.eq", ImmediateKind.None, [ValType.F32, ValType.F32], [ValType.I32], 0, 0);
        Add(Opcode.F32Ne, "f32.ne", ImmediateKind.None, [ValType.F32, ValType.F32], [ValType.I32], 0, 0);
        Add(Opcode.F32Lt, "f32.lt", ImmediateKind.None, [ValType.F32, ValType.F32], [ValType.I32], 0, 0);
        Add(Opcode.F32Gt, "f32.gt", ImmediateKind.None, [ValType.F32, ValType.F32], [ValType.I32], 0, 0);
        Add(Opcode.F32Le, "f32.le", ImmediateKind.None, [ValType.F32, ValType.F32], [ValType.I32], 0, 0);
        Add(Opcode.F32Ge, "f32.ge", ImmediateKind.None, [ValType.F32, ValType.F32], [ValType.I32], 0, 0);
        Add(Opcode.F64Eq, "f64.eq", ImmediateKind.None, [ValType.F64, ValType.F64], [ValType.I32], 0, 0);
        Add(Opcode.F64Ne, "f64.ne", ImmediateKind.None, [ValType.F64, ValType.F64], [ValType.I32], 0, 0);
        Add(Opcode.F64Lt, "f64.lt", ImmediateKind.None, [ValType.F64, ValType.F64], [ValType.I32], 0, 0);
        Add(Opcode.F64Gt, "f64.gt", ImmediateKind.None, [ValType.F64, ValType.F64], [ValType.I32], 0, 0);
        Add(Opcode.F64Le, "f64.le", ImmediateKind.None, [ValType.F64, ValType.F64], [ValType.I32], 0, 0);
        Add(Opcode.F64Ge, "f64.ge", ImmediateKind.None, [ValType.F64, ValType.F64], [ValType.I32], 0, 0);
        Add(Opcode.I32Clz, "i32.clz", ImmediateKind.None, [ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32Ctz, "i32.ctz", ImmediateKind.None, [ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32Popcnt, "i32.popcnt", ImmediateKind.None, [ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32Add, "i32.add", ImmediateKind.None, [ValType.I32, ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32Sub, "i32.sub", ImmediateKind.None, [ValType.I32, ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32Mul, "i32.mul", ImmediateKind.None, [ValType.I32, ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32DivS, "i32.div_s", ImmediateKind.None, [ValType.I32, ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32DivU, "i32.div_u", ImmediateKind.None, [ValType.I32, ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32RemS, "i32.rem_s", ImmediateKind.None, [ValType.I32, ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32RemU, "i32.rem_u", ImmediateKind.None, [ValType.I32, ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32And, "i32.and", ImmediateKind.None, [ValType.I32, ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32Or, "i32.or", ImmediateKind.None, [ValType.I32, ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32Xor, "i32.xor", ImmediateKind.None, [ValType.I32, ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32Shl, "i32.shl", ImmediateKind.None, [ValType.I32, ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32ShrS, "i32.shr_s", ImmediateKind.None, [ValType.I32, ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32ShrU, "i32.shr_u", ImmediateKind.None, [ValType.I32, ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32Rotl, "i32.rotl", ImmediateKind.None, [ValType.I32, ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32Rotr, "i32.rotr", ImmediateKind.None, [ValType.I32, ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I64Clz, "i64.clz", ImmediateKind.None, [ValType.I64], [ValType.I64], 0, 0);
        Add(Opcode.I64Ctz, "i64.ctz", ImmediateKind.None, [ValType.I64], [ValType.I64], 0, 0);
        Add(Opcode.I64Popcnt, "i64.popcnt", ImmediateKind.None, [ValType.I64], [ValType.I64], 0, 0);
        Add(Opcode.I64Add, "i64.add", ImmediateKind.None, [ValType.I64, ValType.I64], [ValType.I64], 0, 0);
        Add(Opcode.I64Sub, "i64.sub", ImmediateKind.None, [ValType.I64, ValType.I64], [ValType.I64], 0, 0);
        Add(Opcode.I64Mul, "i64.mul", ImmediateKind.None, [ValType.I64, ValType.I64], [ValType.I64], 0, 0);
        Add(Opcode.I64DivS, "i64.div_s", ImmediateKind.None, [ValType.I64, ValType.I64], [ValType.I64], 0, 0);
        Add(Opcode.I64DivU, "i64.div_u", ImmediateKind.None, [ValType.I64, ValType.I64], [ValType.I64], 0, 0);
        Add(Opcode.I64RemS, "i64.rem_s", ImmediateKind.None, [ValType.I64, ValType.I64], [ValType.I64], 0, 0);
        Add(Opcode.I64RemU, "i64.rem_u", ImmediateKind.None, [ValType.I64, ValType.I64], [ValType.I64], 0, 0);
        Add(Opcode.I64And, "i64.and", ImmediateKind.None, [ValType.I64, ValType.I64], [ValType.I64], 0, 0);
        Add(Opcode.I64Or, "i64.or", ImmediateKind.None, [ValType.I64, ValType.I64], [ValType.I64], 0, 0);
        Add(Opcode.I64Xor, "i64.xor", ImmediateKind.None, [ValType.I64, ValType.I64], [ValType.I64], 0, 0);
        Add(Opcode.I64Shl, "i64.shl", ImmediateKind.None, [ValType.I64, ValType.I64], [ValType.I64], 0, 0);
        Add(Opcode.I64ShrS, "i64.shr_s", ImmediateKind.None, [ValType.I64, ValType.I64], [ValType.I64], 0, 0);
        Add(Opcode.I64ShrU, "i64.shr_u", ImmediateKind.None, [ValType.I64, ValType.I64], [ValType.I64], 0, 0);
        Add(Opcode.I64Rotl, "i64.rotl", ImmediateKind.None, [ValType.I64, ValType.I64], [ValType.I64], 0, 0);
        Add(Opcode.I64Rotr, "i64.rotr", ImmediateKind.None, [ValType.I64, ValType.I64], [ValType.I64], 0, 0);
        Add(Opcode.F32Abs, "f32.abs", ImmediateKind.None, [ValType.F32], [ValType.F32], 0, 0);
        Add(Opcode.F32Neg, "f32.neg", ImmediateKind.None, [ValType.F32], [ValType.F32], 0, 0);
        Add(Opcode.F32Ceil, "f32.ceil", ImmediateKind.None, [ValType.F32], [ValType.F32], 0, 0);
        Add(Opcode.F32Floor, "f32.floor", ImmediateKind.None, [ValType.F32], [ValType.F32], 0, 0);
        Add(Opcode.F32Trunc, "f32.trunc", ImmediateKind.None, [ValType.F32], [ValType.F32], 0, 0);
        Add(Opcode.F32Nearest, "f32.nearest", ImmediateKind.None, [ValType.F32], [ValType.F32], 0, 0);
        Add(Opcode.F32Sqrt, "f32.sqrt", ImmediateKind.None, [ValType.F32], [ValType.F32], 0, 0);
        Add(Opcode.F32Add, "f32.add", ImmediateKind.None, [ValType.F32, ValType.F32], [ValType.F32], 0, 0);
        Add(Opcode.F32Sub, "f32.sub", ImmediateKind.None, [ValType.F32, ValType.F32], [ValType.F32], 0, 0);
        Add(Opcode.F32Mul, "f32.mul", ImmediateKind.None, [ValType.F32, ValType.F32], [ValType.F32], 0, 0);
        Add(Opcode.F32Div, "f32.div", ImmediateKind.None, [ValType.F32, ValType.F32], [ValType.F32], 0, 0);
        Add(Opcode.F32Min, "f32.min", ImmediateKind.None, [ValType.F32, ValType.F32], [ValType.F32], 0, 0);
        Add(Opcode.F32Max, "f32.max", ImmediateKind.None, [ValType.F32, ValType.F32], [ValType.F32], 0, 0);
        Add(Opcode.F32Copysign, "f32.copysign", ImmediateKind.None, [ValType.F32, ValType.F32], [ValType.F32], 0, 0);
        Add(Opcode.F64Abs, "f64.abs", ImmediateKind.None, [ValType.F64], [ValType.F64], 0, 0);
        Add(Opcode.F64Neg, "f64.neg", ImmediateKind.None, [ValType.F64], [ValType.F64], 0, 0);
        Add(Opcode.F64Ceil, "f64.ceil", ImmediateKind.None, [ValType.F64], [ValType.F64], 0, 0);
        Add(Opcode.F64Floor, "f64.floor", ImmediateKind.None, [ValType.F64], [ValType.F64], 0, 0);
        Add(Opcode.F64Trunc, "f64.trunc", ImmediateKind.None, [ValType.F64], [ValType.F64], 0, 0);
        Add(Opcode.F64Nearest, "f64.nearest", ImmediateKind.None, [ValType.F64], [ValType.F64], 0, 0);
        Add(Opcode.F64Sqrt, "f64.sqrt", ImmediateKind.None, [ValType.F64], [ValType.F64], 0, 0);
        Add(Opcode.F64Add, "f64.add", ImmediateKind.None, [ValType.F64, ValType.F64], [ValType.F64], 0, 0);
        Add(Opcode.F64Sub, "f64.sub", ImmediateKind.None, [ValType.F64, ValType.F64], [ValType.F64], 0, 0);
        Add(Opcode.F64Mul, "f64.mul", ImmediateKind.None, [ValType.F64, ValType.F64], [ValType.F64], 0, 0);
        Add(Opcode.F64Div, "f64.div", ImmediateKind.None, [ValType.F64, ValType.F64], [ValType.F64], 0, 0);
        Add(Opcode.F64Min, "f64.min", ImmediateKind.None, [ValType.F64, ValType.F64], [ValType.F64], 0, 0);
        Add(Opcode.F64Max, "f64.max", ImmediateKind.None, [ValType.F64, ValType.F64], [ValType.F64], 0, 0);
        Add(Opcode.F64Copysign, "f64.copysign", ImmediateKind.None, [ValType.F64, ValType.F64], [ValType.F64], 0, 0);
        Add(Opcode.I32WrapI64, "i32.wrap_i64", ImmediateKind.None, [ValType.I64], [ValType.I32], 0, 0);
        Add(Opcode.I32TruncF32S, "i32.trunc_f32_s", ImmediateKind.None, [ValType.F32], [ValType.I32], 0, 0);
        Add(Opcode.I32TruncF32U, "i32.trunc_f32_u", ImmediateKind.None, [ValType.F32], [ValType.I32], 0, 0);
        Add(Opcode.I32TruncF64S, "i32.trunc_f64_s", ImmediateKind.None, [ValType.F64], [ValType.I32], 0, 0);
        Add(Opcode.I32TruncF64U, "i32.trunc_f64_u", ImmediateKind.None, [ValType.F64], [ValType.I32], 0, 0);
        Add(Opcode.I64ExtendI32S, "i64.extend_i32_s", ImmediateKind.None, [ValType.I32], [ValType.I64], 0, 0);
        Add(Opcode.I64ExtendI32U, "i64.extend_i32_u", ImmediateKind.None, [ValType.I32], [ValType.I64], 0, 0);
        Add(Opcode.I64TruncF32S, "i64.trunc_f32_s", ImmediateKind.None, [ValType.F32], [ValType.I64], 0, 0);
        Add(Opcode.I64TruncF32U, "i64.trunc_f32_u", ImmediateKind.None, [ValType.F32], [ValType.I64], 0, 0);
        Add(Opcode.I64TruncF64S, "i64.trunc_f64_s", ImmediateKind.None, [ValType.F64], [ValType.I64], 0, 0);
        Add(Opcode.I64TruncF64U, "i64.trunc_f64_u", ImmediateKind.None, [ValType.F64], [ValType.I64], 0, 0);
        Add(Opcode.F32ConvertI32S, "f32.convert_i32_s", ImmediateKind.None, [ValType.I32], [ValType.F32], 0, 0);
        Add(Opcode.F32ConvertI32U, "f32.convert_i32_u", ImmediateKind.None, [ValType.I32], [ValType.F32], 0, 0);
        Add(Opcode.F32ConvertI64S, "f32.convert_i64_s", ImmediateKind.None, [ValType.I64], [ValType.F32], 0, 0);
        Add(Opcode.F32ConvertI64U, "f32.convert_i64_u", ImmediateKind.None, [ValType.I64], [ValType.F32], 0, 0);
        Add(Opcode.F32DemoteF64, "f32.demote_f64", ImmediateKind.None, [ValType.F64], [ValType.F32], 0, 0);
        Add(Opcode.F64ConvertI32S, "f64.convert_i32_s", ImmediateKind.None, [ValType.I32], [ValType.F64], 0, 0);
        Add(Opcode.F64ConvertI32U, "f64.convert_i32_u", ImmediateKind.None, [ValType.I32], [ValType.F64], 0, 0);
        Add(Opcode.F64ConvertI64S, "f64.convert_i64_s", ImmediateKind.None, [ValType.I64], [ValType.F64], 0, 0);
        Add(Opcode.F64ConvertI64U, "f64.convert_i64_u", ImmediateKind.None, [ValType.I64], [ValType.F64], 0, 0);
        Add(Opcode.F64PromoteF32, "f64.promote_f32", ImmediateKind.None, [ValType.F32], [ValType.F64], 0, 0);
        Add(Opcode.I32ReinterpretF32, "i32.reinterpret_f32", ImmediateKind.None, [ValType.F32], [ValType.I32], 0, 0);
        Add(Opcode.I64ReinterpretF64, "i64.reinterpret_f64", ImmediateKind.None, [ValType.F64], [ValType.I64], 0, 0);
        Add(Opcode.F32ReinterpretI32, "f32.reinterpret_i32", ImmediateKind.None, [ValType.I32], [ValType.F32], 0, 0);
        Add(Opcode.F64ReinterpretI64, "f64.reinterpret_i64", ImmediateKind.None, [ValType.I64], [ValType.F64], 0, 0);
        Add(Opcode.I32Extend8S, "i32.extend8_s", ImmediateKind.None, [ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I32Extend16S, "i32.extend16_s", ImmediateKind.None, [ValType.I32], [ValType.I32], 0, 0);
        Add(Opcode.I64Extend8S, "i64.extend8_s", ImmediateKind.None, [ValType.I64], [ValType.I64], 0, 0);
        Add(Opcode.I64Extend16S, "i64.extend16_s", ImmediateKind.None, [ValType.I64], [ValType.I64], 0, 0);
        Add(Opcode.I64Extend32S, "i64.extend32_s", ImmediateKind.None, [ValType.I64], [ValType.I64], 0, 0);
        Add(Opcode.RefNull, "ref.null", ImmediateKind.RefType, null, null, 0, 0);
        Add(Opcode.RefIsNull, "ref.is_null", ImmediateKind.None, null, null, 0, 0);
        Add(Opcode.RefFunc, "ref.func", ImmediateKind.Function, null, null, 0, 0);
        Add(Opcode.I32TruncSatF32S, "i32.trunc_sat_f32_s", ImmediateKind.None, [ValType.F32], [ValType.I32], 0, 0);
        Add(Opcode.I32TruncSatF32U, "i32.trunc_sat_f32_u", ImmediateKind.None, [ValType.F32], [ValType.I32], 0, 0);
        Add(Opcode.I32TruncSatF64S, "i32.trunc_sat_f64_s", ImmediateKind.None, [ValType.F64], [ValType.I32], 0, 0);
        Add(Opcode.I32TruncSatF64U, "i32.trunc_sat_f64_u", ImmediateKind.None, [ValType.F64], [ValType.I32], 0, 0);
        Add(Opcode.I64TruncSatF32S, "i64.trunc_sat_f32_s", ImmediateKind.None, [ValType.F32], [ValType.I64], 0, 0);
        Add(Opcode.I64TruncSatF32U, "i64.trunc_sat_f32_u", ImmediateKind.None, [ValType.F32], [ValType.I64], 0, 0);
        Add(Opcode.I64TruncSatF64S, "i64.trunc_sat_f64_s", ImmediateKind.None, [ValType.F64], [ValType.I64], 0, 0);
        Add(Opcode.I64TruncSatF64U, "i64.trunc_sat_f64_u", ImmediateKind.None, [ValType.F64], [ValType.I64], 0, 0);
        Add(Opcode.MemoryInit, "memory.init", ImmediateKind.MemoryInit, [ValType.I32, ValType.I32, ValType.I32], s_none, 0, 0);
        Add(Opcode.DataDrop, "data.drop", ImmediateKind.Data, s_none, s_none, 0, 0);
        Add(Opcode.MemoryCopy, "memory.copy", ImmediateKind.MemoryCopy, [ValType.I32, ValType.I32, ValType.I32], s_none, 0, 0);
        Add(Opcode.MemoryFill, "memory.fill", ImmediateKind.Memory, [ValType.I32, ValType.I32, ValType.I32], s_none, 0, 0);
        Add(Opcode.TableInit, "table.init", ImmediateKind.TableInit, [ValType.I32, ValType.I32, ValType.I32], s_none, 0, 0);
        Add(Opcode.ElemDrop, "elem.drop", ImmediateKind.Element, s_none, s_none, 0, 0);
        Add(Opcode.TableCopy, "table.copy", ImmediateKind.TableCopy, [ValType.I32, ValType.I32, ValType.I32], s_none, 0, 0);
        Add(Opcode.TableGrow, "table.grow", ImmediateKind.Table, null, null, 0, 0);
        Add(Opcode.TableSize, "table.size", ImmediateKind.Table, s_none, [ValType.I32], 0, 0);
        Add(Opcode.TableFill, "table.fill", ImmediateKind.Table, null, null, 0, 0);
        Add(Opcode.V128Load, "v128.load", ImmediateKind.MemArg, [ValType.I32], [ValType.V128], 4, 0);
        Add(Opcode.V128Load8x8S, "v128.load8x8_s", ImmediateKind.MemArg, [ValType.I32], [ValType.V128], 3, 0);
        Add(Opcode.V128Load8x8U, "v128.load8x8_u", ImmediateKind.MemArg, [ValType.I32], [ValType.V128], 3, 0);
        Add(Opcode.V128Load16x4S, "v128.load16x4_s", ImmediateKind.MemArg, [ValType.I32], [ValType.V128], 3, 0);
        Add(Opcode.V128Load16x4U, "v128.load16x4_u", ImmediateKind.MemArg, [ValType.I32], [ValType.V128], 3, 0);
        Add(Opcode.V128Load32x2S, "v128.load32x2_s", ImmediateKind.MemArg, [ValType.I32], [ValType.V128], 3, 0);
        Add(Opcode.V128Load32x2U, "v128.load32x2_u", ImmediateKind.MemArg, [ValType.I32], [ValType.V128], 3, 0);
        Add(Opcode.V128Load8Splat, "v128.load8_splat", ImmediateKind.MemArg, [ValType.I32], [ValType.V128], 0, 0);
        Add(Opcode.V128Load16Splat, "v128.load16_splat", ImmediateKind.MemArg, [ValType.I32], [ValType.V128], 1, 0);
        Add(Opcode.V128Load32Splat, "v128.load32_splat", ImmediateKind.MemArg, [ValType.I32], [ValType.V128], 2, 0);
        Add(Opcode.V128Load64Splat, "v128.load64_splat", ImmediateKind.MemArg, [ValType.I32], [ValType.V128], 3, 0);
        Add(Opcode.V128Store, "v128.store", ImmediateKind.MemArg, [ValType.I32, ValType.V128], s_none, 4, 0);
        Add(Opcode.V128Const, "v128.const", ImmediateKind.V128, s_none, [ValType.V128], 0, 0);
        Add(Opcode.I8x16Shuffle, "i8x16.shuffle", ImmediateKind.Shuffle, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I8x16Swizzle, "i8x16.swizzle", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I8x16Splat, "i8x16.splat", ImmediateKind.None, [ValType.I32], [ValType.V128], 0, 0);
        Add(Opcode.I16x8Splat, "i16x8.splat", ImmediateKind.None, [ValType.I32], [ValType.V128], 0, 0);
        Add(Opcode.I32x4Splat, "i32x4.splat", ImmediateKind.None, [ValType.I32], [ValType.V128], 0, 0);
        Add(Opcode.I64x2Splat, "i64x2.splat", ImmediateKind.None, [ValType.I64], [ValType.V128], 0, 0);
        Add(Opcode.F32x4Splat, "f32x4.splat", ImmediateKind.None, [ValType.F32], [ValType.V128], 0, 0);
        Add(Opcode.F64x2Splat, "f64x2.splat", ImmediateKind.None, [ValType.F64], [ValType.V128], 0, 0);
        Add(Opcode.I8x16ExtractLaneS, "i8x16.extract_lane_s", ImmediateKind.Lane, [ValType.V128], [ValType.I32], 0, 16);
        Add(Opcode.I8x16ExtractLaneU, "i8x16.extract_lane_u", ImmediateKind.Lane, [ValType.V128], [ValType.I32], 0, 16);
        Add(Opcode.I8x16ReplaceLane, "i8x16.replace_lane", ImmediateKind.Lane, [ValType.V128, ValType.I32], [ValType.V128], 0, 16);
        Add(Opcode.I16x8ExtractLaneS, "i16x8.extract_lane_s", ImmediateKind.Lane, [ValType.V128], [ValType.I32], 0, 8);
        Add(Opcode.I16x8ExtractLaneU, "i16x8.extract_lane_u", ImmediateKind.Lane, [ValType.V128], [ValType.I32], 0, 8);
        Add(Opcode.I16x8ReplaceLane, "i16x8.replace_lane", ImmediateKind.Lane, [ValType.V128, ValType.I32], [ValType.V128], 0, 8);
        Add(Opcode.I32x4ExtractLane, "i32x4.extract_lane", ImmediateKind.Lane, [ValType.V128], [ValType.I32], 0, 4);
        Add(Opcode.I32x4ReplaceLane, "i32x4.replace_lane", ImmediateKind.Lane, [ValType.V128, ValType.I32], [ValType.V128], 0, 4);
        Add(Opcode.I64x2ExtractLane, "i64x2.extract_lane", ImmediateKind.Lane, [ValType.V128], [ValType.I64], 0, 2);
        Add(Opcode.I64x2ReplaceLane, "i64x2.replace_lane", ImmediateKind.Lane, [ValType.V128, ValType.I64], [ValType.V128], 0, 2);
        Add(Opcode.F32x4ExtractLane, "f32x4.extract_lane", ImmediateKind.Lane, [ValType.V128], [ValType.F32], 0, 4);
        Add(Opcode.F32x4ReplaceLane, "f32x4.replace_lane", ImmediateKind.Lane, [ValType.V128, ValType.F32], [ValType.V128], 0, 4);
        Add(Opcode.F64x2ExtractLane, "f64x2.extract_lane", ImmediateKind.Lane, [ValType.V128], [ValType.F64], 0, 2);
        Add(Opcode.F64x2ReplaceLane, "f64x2.replace_lane", ImmediateKind.Lane, [ValType.V128, ValType.F64], [ValType.V128], 0, 2);
        Add(Opcode.I8x16Eq, "i8x16.eq", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I8x16Ne, "i8x16.ne", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I8x16LtS, "i8x16.lt_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I8x16LtU, "i8x16.lt_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I8x16GtS, "i8x16.gt_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I8x16GtU, "i8x16.gt_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I8x16LeS, "i8x16.le_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I8x16LeU, "i8x16.le_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I8x16GeS, "i8x16.ge_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I8x16GeU, "i8x16.ge_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8Eq, "i16x8.eq", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8Ne, "i16x8.ne", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8LtS, "i16x8.lt_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8LtU, "i16x8.lt_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8GtS, "i16x8.gt_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8GtU, "i16x8.gt_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8LeS, "i16x8.le_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8LeU, "i16x8.le_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8GeS, "i16x8.ge_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8GeU, "i16x8.ge_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4Eq, "i32x4.eq", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4Ne, "i32x4.ne", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4LtS, "i32x4.lt_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4LtU, "i32x4.lt_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4GtS, "i32x4.gt_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4GtU, "i32x4.gt_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4LeS, "i32x4.le_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4LeU, "i32x4.le_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4GeS, "i32x4.ge_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4GeU, "i32x4.ge_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F32x4Eq, "f32x4.eq", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F32x4Ne, "f32x4.ne", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F32x4Lt, "f32x4.lt", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F32x4Gt, "f32x4.gt", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F32x4Le, "f32x4.le", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F32x4Ge, "f32x4.ge", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F64x2Eq, "f64x2.eq", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F64x2Ne, "f64x2.ne", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F64x2Lt, "f64x2.lt", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F64x2Gt, "f64x2.gt", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F64x2Le, "f64x2.le", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F64x2Ge, "f64x2.ge", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.V128Not, "v128.not", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.V128And, "v128.and", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.V128Andnot, "v128.andnot", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.V128Or, "v128.or", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.V128Xor, "v128.xor", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.V128Bitselect, "v128.bitselect", ImmediateKind.None, [ValType.V128, ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.V128AnyTrue, "v128.any_true", ImmediateKind.None, [ValType.V128], [ValType.I32], 0, 0);
        Add(Opcode.V128Load8Lane, "v128.load8_lane", ImmediateKind.MemArgLane, [ValType.I32, ValType.V128], [ValType.V128], 0, 16);
        Add(Opcode.V128Load16Lane, "v128.load16_lane", ImmediateKind.MemArgLane, [ValType.I32, ValType.V128], [ValType.V128], 1, 8);
        Add(Opcode.V128Load32Lane, "v128.load32_lane", ImmediateKind.MemArgLane, [ValType.I32, ValType.V128], [ValType.V128], 2, 4);
        Add(Opcode.V128Load64Lane, "v128.load64_lane", ImmediateKind.MemArgLane, [ValType.I32, ValType.V128], [ValType.V128], 3, 2);
        Add(Opcode.V128Store8Lane, "v128.store8_lane", ImmediateKind.MemArgLane, [ValType.I32, ValType.V128], s_none, 0, 16);
        Add(Opcode.V128Store16Lane, "v128.store16_lane", ImmediateKind.MemArgLane, [ValType.I32, ValType.V128], s_none, 1, 8);
        Add(Opcode.V128Store32Lane, "v128.store32_lane", ImmediateKind.MemArgLane, [ValType.I32, ValType.V128], s_none, 2, 4);
        Add(Opcode.V128Store64Lane, "v128.store64_lane", ImmediateKind.MemArgLane, [ValType.I32, ValType.V128], s_none, 3, 2);
        Add(Opcode.V128Load32Zero, "v128.load32_zero", ImmediateKind.MemArg, [ValType.I32], [ValType.V128], 2, 0);
        Add(Opcode.V128Load64Zero, "v128.load64_zero", ImmediateKind.MemArg, [ValType.I32], [ValType.V128], 3, 0);
        Add(Opcode.F32x4DemoteF64x2Zero, "f32x4.demote_f64x2_zero", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F64x2PromoteLowF32x4, "f64x2.promote_low_f32x4", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I8x16Abs, "i8x16.abs", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I8x16Neg, "i8x16.neg", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I8x16Popcnt, "i8x16.popcnt", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I8x16AllTrue, "i8x16.all_true", ImmediateKind.None, [ValType.V128], [ValType.I32], 0, 0);
        Add(Opcode.I8x16Bitmask, "i8x16.bitmask", ImmediateKind.None, [ValType.V128], [ValType.I32], 0, 0);
        Add(Opcode.I8x16NarrowI16x8S, "i8x16.narrow_i16x8_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I8x16NarrowI16x8U, "i8x16.narrow_i16x8_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F32x4Ceil, "f32x4.ceil", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F32x4Floor, "f32x4.floor", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F32x4Trunc, "f32x4.trunc", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F32x4Nearest, "f32x4.nearest", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I8x16Shl, "i8x16.shl", ImmediateKind.None, [ValType.V128, ValType.I32], [ValType.V128], 0, 0);
        Add(Opcode.I8x16ShrS, "i8x16.shr_s", ImmediateKind.None, [ValType.V128, ValType.I32], [ValType.V128], 0, 0);
        Add(Opcode.I8x16ShrU, "i8x16.shr_u", ImmediateKind.None, [ValType.V128, ValType.I32], [ValType.V128], 0, 0);
        Add(Opcode.I8x16Add, "i8x16.add", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I8x16AddSatS, "i8x16.add_sat_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I8x16AddSatU, "i8x16.add_sat_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I8x16Sub, "i8x16.sub", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I8x16SubSatS, "i8x16.sub_sat_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I8x16SubSatU, "i8x16.sub_sat_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F64x2Ceil, "f64x2.ceil", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F64x2Floor, "f64x2.floor", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I8x16MinS, "i8x16.min_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I8x16MinU, "i8x16.min_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I8x16MaxS, "i8x16.max_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I8x16MaxU, "i8x16.max_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F64x2Trunc, "f64x2.trunc", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I8x16AvgrU, "i8x16.avgr_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8ExtaddPairwiseI8x16S, "i16x8.extadd_pairwise_i8x16_s", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8ExtaddPairwiseI8x16U, "i16x8.extadd_pairwise_i8x16_u", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4ExtaddPairwiseI16x8S, "i32x4.extadd_pairwise_i16x8_s", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4ExtaddPairwiseI16x8U, "i32x4.extadd_pairwise_i16x8_u", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8Abs, "i16x8.abs", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8Neg, "i16x8.neg", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8Q15mulrSatS, "i16x8.q15mulr_sat_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8AllTrue, "i16x8.all_true", ImmediateKind.None, [ValType.V128], [ValType.I32], 0, 0);
        Add(Opcode.I16x8Bitmask, "i16x8.bitmask", ImmediateKind.None, [ValType.V128], [ValType.I32], 0, 0);
        Add(Opcode.I16x8NarrowI32x4S, "i16x8.narrow_i32x4_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8NarrowI32x4U, "i16x8.narrow_i32x4_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8ExtendLowI8x16S, "i16x8.extend_low_i8x16_s", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8ExtendHighI8x16S, "i16x8.extend_high_i8x16_s", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8ExtendLowI8x16U, "i16x8.extend_low_i8x16_u", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8ExtendHighI8x16U, "i16x8.extend_high_i8x16_u", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8Shl, "i16x8.shl", ImmediateKind.None, [ValType.V128, ValType.I32], [ValType.V128], 0, 0);
        Add(Opcode.I16x8ShrS, "i16x8.shr_s", ImmediateKind.None, [ValType.V128, ValType.I32], [ValType.V128], 0, 0);
        Add(Opcode.I16x8ShrU, "i16x8.shr_u", ImmediateKind.None, [ValType.V128, ValType.I32], [ValType.V128], 0, 0);
        Add(Opcode.I16x8Add, "i16x8.add", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8AddSatS, "i16x8.add_sat_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8AddSatU, "i16x8.add_sat_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8Sub, "i16x8.sub", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8SubSatS, "i16x8.sub_sat_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8SubSatU, "i16x8.sub_sat_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F64x2Nearest, "f64x2.nearest", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8Mul, "i16x8.mul", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8MinS, "i16x8.min_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8MinU, "i16x8.min_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8MaxS, "i16x8.max_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8MaxU, "i16x8.max_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8AvgrU, "i16x8.avgr_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8ExtmulLowI8x16S, "i16x8.extmul_low_i8x16_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8ExtmulHighI8x16S, "i16x8.extmul_high_i8x16_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8ExtmulLowI8x16U, "i16x8.extmul_low_i8x16_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I16x8ExtmulHighI8x16U, "i16x8.extmul_high_i8x16_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4Abs, "i32x4.abs", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4Neg, "i32x4.neg", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4AllTrue, "i32x4.all_true", ImmediateKind.None, [ValType.V128], [ValType.I32], 0, 0);
        Add(Opcode.I32x4Bitmask, "i32x4.bitmask", ImmediateKind.None, [ValType.V128], [ValType.I32], 0, 0);
        Add(Opcode.I32x4ExtendLowI16x8S, "i32x4.extend_low_i16x8_s", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4ExtendHighI16x8S, "i32x4.extend_high_i16x8_s", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4ExtendLowI16x8U, "i32x4.extend_low_i16x8_u", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4ExtendHighI16x8U, "i32x4.extend_high_i16x8_u", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4Shl, "i32x4.shl", ImmediateKind.None, [ValType.V128, ValType.I32], [ValType.V128], 0, 0);
        Add(Opcode.I32x4ShrS, "i32x4.shr_s", ImmediateKind.None, [ValType.V128, ValType.I32], [ValType.V128], 0, 0);
        Add(Opcode.I32x4ShrU, "i32x4.shr_u", ImmediateKind.None, [ValType.V128, ValType.I32], [ValType.V128], 0, 0);
        Add(Opcode.I32x4Add, "i32x4.add", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4Sub, "i32x4.sub", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4Mul, "i32x4.mul", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4MinS, "i32x4.min_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4MinU, "i32x4.min_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4MaxS, "i32x4.max_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4MaxU, "i32x4.max_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4DotI16x8S, "i32x4.dot_i16x8_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4ExtmulLowI16x8S, "i32x4.extmul_low_i16x8_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4ExtmulHighI16x8S, "i32x4.extmul_high_i16x8_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4ExtmulLowI16x8U, "i32x4.extmul_low_i16x8_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4ExtmulHighI16x8U, "i32x4.extmul_high_i16x8_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I64x2Abs, "i64x2.abs", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I64x2Neg, "i64x2.neg", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I64x2AllTrue, "i64x2.all_true", ImmediateKind.None, [ValType.V128], [ValType.I32], 0, 0);
        Add(Opcode.I64x2Bitmask, "i64x2.bitmask", ImmediateKind.None, [ValType.V128], [ValType.I32], 0, 0);
        Add(Opcode.I64x2ExtendLowI32x4S, "i64x2.extend_low_i32x4_s", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I64x2ExtendHighI32x4S, "i64x2.extend_high_i32x4_s", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I64x2ExtendLowI32x4U, "i64x2.extend_low_i32x4_u", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I64x2ExtendHighI32x4U, "i64x2.extend_high_i32x4_u", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I64x2Shl, "i64x2.shl", ImmediateKind.None, [ValType.V128, ValType.I32], [ValType.V128], 0, 0);
        Add(Opcode.I64x2ShrS, "i64x2.shr_s", ImmediateKind.None, [ValType.V128, ValType.I32], [ValType.V128], 0, 0);
        Add(Opcode.I64x2ShrU, "i64x2.shr_u", ImmediateKind.None, [ValType.V128, ValType.I32], [ValType.V128], 0, 0);
        Add(Opcode.I64x2Add, "i64x2.add", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I64x2Sub, "i64x2.sub", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I64x2Mul, "i64x2.mul", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I64x2Eq, "i64x2.eq", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I64x2Ne, "i64x2.ne", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I64x2LtS, "i64x2.lt_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I64x2GtS, "i64x2.gt_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I64x2LeS, "i64x2.le_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I64x2GeS, "i64x2.ge_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I64x2ExtmulLowI32x4S, "i64x2.extmul_low_i32x4_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I64x2ExtmulHighI32x4S, "i64x2.extmul_high_i32x4_s", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I64x2ExtmulLowI32x4U, "i64x2.extmul_low_i32x4_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I64x2ExtmulHighI32x4U, "i64x2.extmul_high_i32x4_u", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F32x4Abs, "f32x4.abs", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F32x4Neg, "f32x4.neg", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F32x4Sqrt, "f32x4.sqrt", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F32x4Add, "f32x4.add", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F32x4Sub, "f32x4.sub", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F32x4Mul, "f32x4.mul", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F32x4Div, "f32x4.div", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F32x4Min, "f32x4.min", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F32x4Max, "f32x4.max", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F32x4Pmin, "f32x4.pmin", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F32x4Pmax, "f32x4.pmax", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F64x2Abs, "f64x2.abs", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F64x2Neg, "f64x2.neg", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F64x2Sqrt, "f64x2.sqrt", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F64x2Add, "f64x2.add", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F64x2Sub, "f64x2.sub", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F64x2Mul, "f64x2.mul", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F64x2Div, "f64x2.div", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F64x2Min, "f64x2.min", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F64x2Max, "f64x2.max", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F64x2Pmin, "f64x2.pmin", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F64x2Pmax, "f64x2.pmax", ImmediateKind.None, [ValType.V128, ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4TruncSatF32x4S, "i32x4.trunc_sat_f32x4_s", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4TruncSatF32x4U, "i32x4.trunc_sat_f32x4_u", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F32x4ConvertI32x4S, "f32x4.convert_i32x4_s", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F32x4ConvertI32x4U, "f32x4.convert_i32x4_u", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4TruncSatF64x2SZero, "i32x4.trunc_sat_f64x2_s_zero", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.I32x4TruncSatF64x2UZero, "i32x4.trunc_sat_f64x2_u_zero", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F64x2ConvertLowI32x4S, "f64x2.convert_low_i32x4_s", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        Add(Opcode.F64x2ConvertLowI32x4U, "f64x2.convert_low_i32x4_u", ImmediateKind.None, [ValType.V128], [ValType.V128], 0, 0);
        for (int slot = 0; slot < s_bySlot.Length; slot++)
        {
            s_immediateBySlot[slot] = s_bySlot[slot]?.Immediate ?? NoOpcode;
        }
        var byName = new Dictionary<string, OpcodeInfo>(StringComparer.Ordinal);
        foreach (OpcodeInfo info in s_all)
        {
            // "select" names both 0x1B and 0x1C; the text parser picks 0x1C when a result type follows.
            byName.TryAdd(info.Name, info);
        }
        s_byName = byName.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>All opcodes in encoding order.</summary>
    public static IReadOnlyList<OpcodeInfo> All => s_all;

    /// <summary>The info for a known opcode.</summary>
    public static OpcodeInfo Get(Opcode opcode) =>
        s_bySlot[Slot((ushort)opcode)] ?? throw new ArgumentOutOfRangeException(nameof(opcode), opcode, "not a WebAssembly 2.0 opcode");

    /// <summary>Looks up a plain opcode byte; null when the byte is not an opcode (or is a prefix).</summary>
    public static OpcodeInfo? TryGetPlain(byte code) => s_bySlot[code];

    /// <summary>Looks up a prefixed opcode (<paramref name="prefix"/> 0xFC or 0xFD); null when unknown.</summary>
    public static OpcodeInfo? TryGetPrefixed(byte prefix, uint code)
    {
        if (code > 0xFF)
        {
            return null;
        }
        return prefix switch
        {
            0xFC => s_bySlot[256 + (int)code],
            0xFD => s_bySlot[512 + (int)code],
            _ => null,
        };
    }

    /// <summary>The immediate kind of the opcode in a dense slot (plain 0..255, 0xFC ops 256..511, 0xFD ops 512..767), or <see cref="NoOpcode"/>.</summary>
    internal static ImmediateKind GetImmediateBySlot(int slot) => s_immediateBySlot[slot];

    /// <summary>Looks up an instruction by its text name (e.g. <c>i32.add</c>).</summary>
    public static OpcodeInfo? TryGetByName(string name) => s_byName.GetValueOrDefault(name);

    private static int Slot(ushort code) => (code >> 8) switch
    {
        0 => code,
        0xFC => 256 + (code & 0xFF),
        0xFD => 512 + (code & 0xFF),
        _ => throw new ArgumentOutOfRangeException(nameof(code)),
    };

    private static void Add(Opcode opcode, string name, ImmediateKind immediate, ValType[]? parameters, ValType[]? results, int alignment, int lanes)
    {
        var info = new OpcodeInfo(opcode, name, immediate, parameters, results, (byte)alignment, (byte)lanes);
        s_bySlot[Slot((ushort)opcode)] = info;
        s_all.Add(info);
    }
}
