using System.Collections.Immutable;

namespace Kiln.Wasm.Model;

/// <summary>
/// A function type <c>[params] -&gt; [results]</c>. Compared structurally, as the spec requires for
/// <c>call_indirect</c> and import matching. SECURITY: immutable (the constructor copies), because a
/// validated module, the engine's signature ids and every compiled call site rely on a type never
/// changing after it was checked.
/// </summary>
public sealed class FuncType : IEquatable<FuncType>
{
    public FuncType(ReadOnlySpan<ValType> parameters, ReadOnlySpan<ValType> results)
    {
        Params = [.. parameters];
        Results = [.. results];
    }

    public static FuncType Empty { get; } = new([], []);

    public ImmutableArray<ValType> Params { get; }

    public ImmutableArray<ValType> Results { get; }

    public bool Equals(FuncType? other) =>
        other is not null && Params.AsSpan().SequenceEqual(other.Params.AsSpan()) && Results.AsSpan().SequenceEqual(other.Results.AsSpan());

    public override bool Equals(object? obj) => obj is FuncType other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (ValType t in Params)
        {
            hash.Add(t);
        }
        hash.Add(0xFF);
        foreach (ValType t in Results)
        {
            hash.Add(t);
        }
        return hash.ToHashCode();
    }

    public override string ToString() =>
        $"[{string.Join(" ", Params.Select(p => p.ToText()))}] -> [{string.Join(" ", Results.Select(r => r.ToText()))}]";
}
