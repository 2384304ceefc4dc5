namespace Kiln.Wasm.Model;

/// <summary>
/// One import. Exactly one of the descriptors is set, chosen by <see cref="Kind"/>:
/// <see cref="FunctionTypeIndex"/> for functions, else <see cref="Table"/>, <see cref="Memory"/> or <see cref="Global"/>.
/// </summary>
public sealed record Import(string Module, string Name, ExternKind Kind)
{
    public uint FunctionTypeIndex { get; init; }

    public TableType? Table { get; init; }

    public MemoryType? Memory { get; init; }

    public GlobalType? Global { get; init; }
}

/// <summary>One export: a name and an index into the index space of its kind.</summary>
public sealed record Export(string Name, ExternKind Kind, uint Index);
