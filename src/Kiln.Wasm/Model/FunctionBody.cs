namespace Kiln.Wasm.Model;

/// <summary>
/// The code of one defined function: local declarations and the encoded instructions, kept as bytes
/// ("decode once, visit many": the validator, the interpreter's translator and the compilers all read
/// them through <see cref="Binary.InstructionReader"/>).
/// </summary>
public sealed class FunctionBody
{
    public FunctionBody(LocalGroup[] locals, ReadOnlyMemory<byte> code, int codeOffset)
    {
        Locals = locals;
        Code = code;
        CodeOffset = codeOffset;
    }

    /// <summary>Local declarations after the parameters, as (count, type) runs.</summary>
    public LocalGroup[] Locals { get; }

    /// <summary>The instructions, ending with the function's final <c>end</c>.</summary>
    public ReadOnlyMemory<byte> Code { get; }

    /// <summary>Byte offset of <see cref="Code"/> in the module, for error messages and debug info.</summary>
    public int CodeOffset { get; }

    /// <summary>
    /// The busiest locals, busiest first: indices (parameters count) of locals accessed more than once, a
    /// <c>local.get/set/tee</c> inside d loops weighing 8^d; up to <see cref="HotLocalLimit"/> integer and as many
    /// float locals. Recorded by validation, which decodes every instruction anyway, for compilers that keep
    /// locals in registers; null until the body is validated.
    /// </summary>
    public int[]? HotLocals { get; internal set; }

    /// <summary>
    /// True when a v128 value occurs in the body (a parameter or local of that type, or any v128 operand): compilers
    /// give such a function 16-byte value slots (results travel in the caller's argument area, not in these slots). Recorded by validation; false until the body is validated
    /// (<see cref="HotLocals"/> is null then).
    /// </summary>
    public bool UsesV128 { get; internal set; }

    /// <summary>
    /// The module offsets of the body's <c>call_indirect</c> instructions in order, dead code included (a compiler
    /// keeping a profile per call site numbers the sites by them); null when there is none or the body was not
    /// validated. Recorded by validation.
    /// </summary>
    public int[]? CallIndirectOffsets { get; internal set; }

    /// <summary>
    /// Indexed by local (parameters included, always false for them): true for a declared local whose first access
    /// is a <c>local.set</c> or <c>local.tee</c> in reachable code at the top level of the body (outside every block,
    /// loop and if). Every read of such a local follows a write on every path, so a compiler need not zero it on
    /// entry (unoptimized C has hundreds of them, one per intermediate value). Null when there is none or the body
    /// was not validated. Recorded by validation.
    /// </summary>
    public bool[]? WrittenFirst { get; internal set; }

    /// <summary>
    /// Indexed by local: true for a local with exactly one <c>local.set</c> or <c>local.tee</c> and exactly one
    /// <c>local.get</c>, both directly in the same block, loop, if or else arm (not nested deeper), the write first.
    /// Instructions directly in one frame run in order on every pass through it, so every execution of the read
    /// follows an execution of the write in the same pass, and after the read the value is never read again: a
    /// compiler may let the read take the value without keeping the local (unoptimized C has one such local per
    /// intermediate value). Null when there is none or the body was not validated. Recorded by validation.
    /// </summary>
    public bool[]? ReadOnce { get; internal set; }

    /// <summary>
    /// The byte offset of each <c>loop</c> instruction of the body, in increasing order (null when it has none); see
    /// <see cref="LoopWrites"/>. Recorded by validation.
    /// </summary>
    public int[]? LoopOffsets { get; internal set; }

    /// <summary>
    /// For the loop at <see cref="LoopOffsets"/>[i]: the locals written (<c>local.set/tee</c>) anywhere inside it,
    /// nested loops included, as bit (index mod 64); a superset, so a clear bit proves that no local of that residue
    /// changes in the loop. A compiler that keeps locals in registers uses it at the loop header: a local no iteration
    /// writes need not be assumed changed there. Recorded by validation.
    /// </summary>
    public ulong[]? LoopWrites { get; internal set; }

    /// <summary>How many integer (and how many float) locals <see cref="HotLocals"/> names at most.</summary>
    public const int HotLocalLimit = 8;

    /// <summary>Number of declared locals (not counting parameters).</summary>
    public long LocalCount
    {
        get
        {
            long n = 0;
            foreach (LocalGroup g in Locals)
            {
                n += g.Count;
            }
            return n;
        }
    }
}

/// <summary><paramref name="Count"/> locals of type <paramref name="Type"/>.</summary>
public readonly record struct LocalGroup(uint Count, ValType Type);
