namespace Kiln.Wasm.Model;

/// <summary>An index into a module's function index space (imports first, then definitions).</summary>
public readonly record struct FuncIndex(uint Value)
{
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>An index into a module's type section.</summary>
public readonly record struct TypeIndex(uint Value)
{
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
