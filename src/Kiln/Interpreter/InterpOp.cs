namespace Kiln.Interpreter;

/// <summary>
/// The interpreter's internal instruction set: dense, so the loop's switch is a jump table. Every
/// operand is a slot index relative to the frame pointer (locals first, then operand-stack slots
/// whose positions the translator fixed statically), an immediate, or an absolute code position.
/// Layout of each instruction is given as <c>op operands...</c>; "d" is the destination slot.
/// </summary>
internal enum InterpOp
{
    /// <summary><c>unreachable</c>: traps.</summary>
    Unreachable,
    /// <summary><c>Br target</c>.</summary>
    Br,
    /// <summary><c>BrIfNez cond target</c>: branch when the i32 in slot cond is nonzero.</summary>
    BrIfNez,
    /// <summary><c>BrIfEqz cond target</c>.</summary>
    BrIfEqz,
    /// <summary><c>BrTable index count target0 .. target(count)</c>; the last target is the default.</summary>
    BrTable,
    /// <summary><c>Return</c>: results are already in slots 0..n of the frame.</summary>
    Return,
    /// <summary><c>Return1 src</c>: moves one result to slot 0 and returns.</summary>
    Return1,
    /// <summary><c>LoopCheck</c>: at loop headers, checks the interrupt flag and consumes fuel.</summary>
    LoopCheck,
    /// <summary><c>BrLoop target</c>: an unconditional back edge; does LoopCheck's work and jumps past the loop's LoopCheck.</summary>
    BrLoop,
    /// <summary><c>Call function argBase</c>: the callee's frame starts at slot argBase.</summary>
    Call,
    /// <summary><c>CallIndirect signatureId table argBase indexSlot</c>.</summary>
    CallIndirect,
    /// <summary><c>Copy d src</c>.</summary>
    Copy,
    /// <summary><c>Const32 d imm</c>: writes the zero-extended 32-bit immediate (also ref.null).</summary>
    Const32,
    /// <summary><c>Const64 d low high</c>.</summary>
    Const64,
    /// <summary><c>Select d a b cond</c>.</summary>
    Select,
    /// <summary><c>GlobalGet d global</c>.</summary>
    GlobalGet,
    /// <summary><c>GlobalSet global src</c>.</summary>
    GlobalSet,
    /// <summary><c>RefFunc d function</c>.</summary>
    RefFunc,
    /// <summary><c>TableGet d table index</c>.</summary>
    TableGet,
    /// <summary><c>TableSet table index value</c>.</summary>
    TableSet,
    /// <summary><c>TableSize d table</c>.</summary>
    TableSize,
    /// <summary><c>TableGrow d table init delta</c>.</summary>
    TableGrow,
    /// <summary><c>TableFill table start value count</c>.</summary>
    TableFill,
    /// <summary><c>TableCopy dstTable srcTable dst src count</c>.</summary>
    TableCopy,
    /// <summary><c>TableInit table segment dst src count</c>.</summary>
    TableInit,
    /// <summary><c>ElemDrop segment</c>.</summary>
    ElemDrop,
    /// <summary><c>MemorySize d</c>.</summary>
    MemorySize,
    /// <summary><c>MemoryGrow d delta</c>.</summary>
    MemoryGrow,
    /// <summary><c>MemoryFill dst value count</c>.</summary>
    MemoryFill,
    /// <summary><c>MemoryCopy dst src count</c>.</summary>
    MemoryCopy,
    /// <summary><c>MemoryInit segment dst src count</c>.</summary>
    MemoryInit,
    /// <summary><c>DataDrop segment</c>.</summary>
    DataDrop,

    // Loads: op d address offset. f32/f64 loads are I32Load/I64Load (slots hold raw bits).
    I32Load,
    I64Load,
    I32Load8S,
    I32Load8U,
    I32Load16S,
    I32Load16U,
    I64Load8S,
    I64Load16S,
    I64Load32S,
    I64Load32U,

    // Stores: op address value offset. Narrow i64 stores share the i32 forms (low bits).
    I32Store,
    I64Store,
    I32Store8,
    I32Store16,

    // Stores of a constant: op address imm offset (I64StoreImm sign-extends imm).
    I32StoreImm,
    I64StoreImm,
    I32Store8Imm,
    I32Store16Imm,

    // Numeric: op d a [b].
    I32Eqz,
    I32Eq,
    I32Ne,
    I32LtS,
    I32LtU,
    I32GtS,
    I32GtU,
    I32LeS,
    I32LeU,
    I32GeS,
    I32GeU,
    I64Eqz,
    I64Eq,
    I64Ne,
    I64LtS,
    I64LtU,
    I64GtS,
    I64GtU,
    I64LeS,
    I64LeU,
    I64GeS,
    I64GeU,
    F32Eq,
    F32Ne,
    F32Lt,
    F32Gt,
    F32Le,
    F32Ge,
    F64Eq,
    F64Ne,
    F64Lt,
    F64Gt,
    F64Le,
    F64Ge,
    I32Clz,
    I32Ctz,
    I32Popcnt,
    I32Add,
    I32Sub,
    I32Mul,
    I32DivS,
    I32DivU,
    I32RemS,
    I32RemU,
    I32And,
    I32Or,
    I32Xor,
    I32Shl,
    I32ShrS,
    I32ShrU,
    I32Rotl,
    I32Rotr,
    I64Clz,
    I64Ctz,
    I64Popcnt,
    I64Add,
    I64Sub,
    I64Mul,
    I64DivS,
    I64DivU,
    I64RemS,
    I64RemU,
    I64And,
    I64Or,
    I64Xor,
    I64Shl,
    I64ShrS,
    I64ShrU,
    I64Rotl,
    I64Rotr,
    F32Abs,
    F32Neg,
    F32Ceil,
    F32Floor,
    F32Trunc,
    F32Nearest,
    F32Sqrt,
    F32Add,
    F32Sub,
    F32Mul,
    F32Div,
    F32Min,
    F32Max,
    F32Copysign,
    F64Abs,
    F64Neg,
    F64Ceil,
    F64Floor,
    F64Trunc,
    F64Nearest,
    F64Sqrt,
    F64Add,
    F64Sub,
    F64Mul,
    F64Div,
    F64Min,
    F64Max,
    F64Copysign,
    I32TruncF32S,
    I32TruncF32U,
    I32TruncF64S,
    I32TruncF64U,
    I64ExtendI32S,
    I64ExtendI32U,
    I64TruncF32S,
    I64TruncF32U,
    I64TruncF64S,
    I64TruncF64U,
    F32ConvertI32S,
    F32ConvertI32U,
    F32ConvertI64S,
    F32ConvertI64U,
    F32DemoteF64,
    F64ConvertI32S,
    F64ConvertI32U,
    F64ConvertI64S,
    F64ConvertI64U,
    F64PromoteF32,
    I32Extend8S,
    I32Extend16S,
    I64Extend8S,
    I64Extend16S,
    I64Extend32S,
    I32TruncSatF32S,
    I32TruncSatF32U,
    I32TruncSatF64S,
    I32TruncSatF64U,
    I64TruncSatF32S,
    I64TruncSatF32U,
    I64TruncSatF64S,
    I64TruncSatF64U,

    // Fused forms: op d a imm (immediate second operand), and compare-and-branch
    // (BrIfI32Xx a b target, BrIfI32XxImm a imm target).
    I32AddImm,
    I32SubImm,
    I32MulImm,
    I32AndImm,
    I32OrImm,
    I32XorImm,
    I32ShlImm,
    I32ShrSImm,
    I32ShrUImm,
    I64AddImm,
    I32EqImm,
    I32NeImm,
    I32LtSImm,
    I32LtUImm,
    I32GtSImm,
    I32GtUImm,
    I32LeSImm,
    I32LeUImm,
    I32GeSImm,
    I32GeUImm,
    BrIfI32Eq,
    BrIfI32Ne,
    BrIfI32LtS,
    BrIfI32LtU,
    BrIfI32GtS,
    BrIfI32GtU,
    BrIfI32LeS,
    BrIfI32LeU,
    BrIfI32GeS,
    BrIfI32GeU,
    BrIfI32EqImm,
    BrIfI32NeImm,
    BrIfI32LtSImm,
    BrIfI32LtUImm,
    BrIfI32GtSImm,
    BrIfI32GtUImm,
    BrIfI32LeSImm,
    BrIfI32LeUImm,
    BrIfI32GeSImm,
    BrIfI32GeUImm,

    // From here on, codes run in Executor.Simd.cs, beside the main loop's switch.

    /// <summary><c>V128Copy d src</c>: copies the two slots of a v128 (both read before either is written).</summary>
    V128Copy,
    /// <summary><c>V128Select d a b cond</c>.</summary>
    V128Select,
    /// <summary><c>V128GlobalGet d global</c>: both halves of the 16-byte cell.</summary>
    V128GlobalGet,
    /// <summary><c>V128GlobalSet global src</c>.</summary>
    V128GlobalSet,

    /// <summary>
    /// The first of 256 codes, one per <c>0xFD</c> (SIMD) opcode: <c>Simd + (opcode &amp; 0xFF)</c>,
    /// handled outside the main loop's switch (<c>Executor.Simd.cs</c>) like the v128 moves above,
    /// so they cost the scalar instructions nothing. Layout: <c>op [d] operands... immediates...</c>, with the operands in
    /// the Wasm order, then the memarg offset and a lane index, or four words of 16 immediate bytes
    /// (<c>v128.const</c>, <c>i8x16.shuffle</c>), low word first. A v128 operand or result names
    /// the first of its two slots (<c>Vm.SlotLayout</c>).
    /// </summary>
    Simd,
}
