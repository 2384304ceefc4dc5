namespace Kiln.Jit.Linking;

/// <summary>A symbol of a <see cref="SymbolTable"/>: an index, so relocations carry no strings.</summary>
public readonly record struct SymbolId(int Value)
{
    public override string ToString() => "sym#" + Value;
}
