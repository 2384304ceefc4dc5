namespace Kiln.Wasm.Model;

/// <summary>How an element or data segment is used (spec 2.5.7, 2.5.8).</summary>
public enum SegmentMode : byte
{
    /// <summary>Copied into a table or memory at instantiation, then dropped.</summary>
    Active,
    /// <summary>Used by <c>table.init</c> / <c>memory.init</c>.</summary>
    Passive,
    /// <summary>Element segments only: declares functions for <c>ref.func</c>, never used at run time.</summary>
    Declarative,
}

/// <summary>
/// An element segment. Every item is a constant expression; segments encoded as plain function
/// indices get synthesized <c>ref.func</c> items (<see cref="UsesFunctionIndices"/> remembers the form for the writer).
/// </summary>
public sealed class ElementSegment
{
    public required SegmentMode Mode { get; init; }

    public required ValType ElementType { get; init; }

    public uint TableIndex { get; init; }

    /// <summary>The offset expression, for active segments.</summary>
    public ConstExpr? Offset { get; init; }

    public required IReadOnlyList<ConstExpr> Items { get; init; }

    /// <summary>True when the binary encoded the items as a vector of function indices.</summary>
    public bool UsesFunctionIndices { get; init; }
}

/// <summary>A data segment: bytes, and for active segments the memory and offset.</summary>
public sealed class DataSegment
{
    public required SegmentMode Mode { get; init; }

    public uint MemoryIndex { get; init; }

    public ConstExpr? Offset { get; init; }

    public required ReadOnlyMemory<byte> Bytes { get; init; }
}
