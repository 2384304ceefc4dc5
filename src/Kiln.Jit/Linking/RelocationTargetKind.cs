namespace Kiln.Jit.Linking;

/// <summary>What a <see cref="RelocationTarget"/> index means.</summary>
public enum RelocationTargetKind : byte
{
    /// <summary>A function of the batch being linked, by the compiler's numbering.</summary>
    Function,
    /// <summary>A symbol of the <see cref="SymbolTable"/> (host function, runtime helper).</summary>
    Symbol,
    /// <summary>The start of this code's own read-only data (its constant pool); the addend selects the entry.</summary>
    ReadOnlyData,
    /// <summary>The start of this code itself; the addend is an offset into it (e.g. a label's address).</summary>
    Code,
}
