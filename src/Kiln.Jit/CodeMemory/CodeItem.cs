namespace Kiln.Jit;

/// <summary>What a <see cref="CodeItem"/> holds.</summary>
public enum CodeItemKind
{
    /// <summary>Machine code, 16-byte aligned, on read-execute pages after the seal.</summary>
    Function,

    /// <summary>Constants or jump tables that code reads, on read-only pages of their own after the seal.</summary>
    ReadOnlyData,
}

/// <summary>
/// A handle to one function or data item of a batch: where it sits (<see cref="Offset"/> from the start of the
/// batch's reservation, so two items' offsets differ exactly as their addresses do) and how long it is. It
/// names its batch, so a handle passed to another batch's builder is rejected instead of reading stray memory.
/// </summary>
public readonly record struct CodeItem(long BatchId, CodeItemKind Kind, int Offset, int Length);
