using Kiln.Optimizing.Ir;

namespace Kiln.Optimizing;

/// <summary>
/// The instance state the <see cref="IrEvaluator"/> runs against: memory, globals, tables, element and data segments,
/// and every function's signature (for call_indirect). References are opaque 64-bit values, 0 being null: a funcref is
/// its function index plus one, an externref whatever the host chose. A dropped segment is an empty array.
/// </summary>
internal sealed class IrInstanceState
{
    public byte[] Memory { get; set; } = [];

    public uint MaxPages { get; set; }

    public UInt128[] Globals { get; set; } = [];

    public IrTable[] Tables { get; set; } = [];

    public nint[][] ElementSegments { get; set; } = [];

    public byte[][] DataSegments { get; set; } = [];

    /// <summary>The signature of every function (imports included) by function index.</summary>
    public IrSignature[] FunctionTypes { get; set; } = [];

    /// <summary>The reference value of function <paramref name="index"/>.</summary>
    public static nint FuncRef(uint index) => (nint)index + 1;
}

/// <summary>A table of the <see cref="IrInstanceState"/>: its elements (the length is the table's size) and maximum.</summary>
internal sealed class IrTable(nint[] elements, uint maximum)
{
    public nint[] Elements { get; set; } = elements;

    public uint Maximum { get; } = maximum;
}
