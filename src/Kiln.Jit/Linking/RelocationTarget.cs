namespace Kiln.Jit.Linking;

/// <summary>The address a relocation refers to, named without knowing it yet (S in S + A - P).</summary>
public readonly record struct RelocationTarget(RelocationTargetKind Kind, int Index)
{
    public static RelocationTarget Function(int index) => new(RelocationTargetKind.Function, index);
    public static RelocationTarget Symbol(SymbolId symbol) => new(RelocationTargetKind.Symbol, symbol.Value);
    public static RelocationTarget ReadOnlyData => new(RelocationTargetKind.ReadOnlyData, 0);
    public static RelocationTarget Code => new(RelocationTargetKind.Code, 0);

    public override string ToString() => Kind switch
    {
        RelocationTargetKind.Function => "func#" + Index,
        RelocationTargetKind.Symbol => "sym#" + Index,
        RelocationTargetKind.ReadOnlyData => "rodata",
        _ => "code",
    };
}
