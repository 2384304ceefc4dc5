namespace Kiln.Wasm.Model;

/// <summary>Size limits of a memory (in 64 KiB pages) or a table (in elements).</summary>
public readonly record struct Limits(uint Min, uint? Max)
{
    public override string ToString() => Max is { } max ? $"{Min} {max}" : $"{Min}";
}

/// <summary>A table: its element reference type and limits.</summary>
public sealed record TableType(ValType ElementType, Limits Limits);

/// <summary>A linear memory: its limits in 64 KiB pages.</summary>
public sealed record MemoryType(Limits Limits)
{
    /// <summary>Spec 2.0: at most 65536 pages (4 GiB) of 32-bit addressable memory.</summary>
    public const uint MaxPages = 65536;

    public const int PageSize = 65536;
}

/// <summary>A global's value type and mutability.</summary>
public sealed record GlobalType(ValType ValueType, bool Mutable);
