using Kiln.Wasm.Model;

namespace Kiln.Wasm.Text;

/// <summary>
/// One expected result of <c>assert_return</c>. Exact values (including <c>ref.null</c> and
/// <c>(ref.extern N)</c>) are <see cref="WastExpectedKind.Value"/>; <c>(f32.const nan:canonical)</c> is
/// <see cref="WastExpectedKind.Nan"/>; every <c>v128.const</c> result is <see cref="WastExpectedKind.Lanes"/>
/// so float lanes can carry NaN patterns (an all-exact v128 also has <see cref="Value"/> set).
/// </summary>
public sealed class WastExpected
{
    private WastExpected(WastExpectedKind kind, ValType type)
    {
        Kind = kind;
        Type = type;
    }

    public WastExpectedKind Kind { get; }

    /// <summary>The type the result must have.</summary>
    public ValType Type { get; }

    /// <summary>For <see cref="WastExpectedKind.Value"/>, and for all-exact <see cref="WastExpectedKind.Lanes"/>.</summary>
    public WastValue Value { get; private init; }

    /// <summary>For <see cref="WastExpectedKind.Nan"/>.</summary>
    public WastNanPattern Nan { get; private init; }

    /// <summary>For <see cref="WastExpectedKind.Lanes"/>.</summary>
    public V128Shape Shape { get; private init; }

    /// <summary>For <see cref="WastExpectedKind.Lanes"/>: <see cref="V128ShapeExtensions.LaneCount"/> lanes, lane 0 first.</summary>
    public IReadOnlyList<WastLane> Lanes { get; private init; } = [];

    public static WastExpected Exact(WastValue value) => new(WastExpectedKind.Value, value.Type) { Value = value };

    public static WastExpected NanOf(ValType type, WastNanPattern nan) => new(WastExpectedKind.Nan, type) { Nan = nan };

    public static WastExpected V128Lanes(V128Shape shape, IReadOnlyList<WastLane> lanes, WastValue? exact) =>
        new(WastExpectedKind.Lanes, ValType.V128) { Shape = shape, Lanes = lanes, Value = exact ?? default };

    public static WastExpected AnyExternRef() => new(WastExpectedKind.AnyExternRef, ValType.ExternRef);

    public static WastExpected AnyFuncRef() => new(WastExpectedKind.AnyFuncRef, ValType.FuncRef);

    public override string ToString() => Kind switch
    {
        WastExpectedKind.Value => Value.ToString(),
        WastExpectedKind.Nan => $"{Type} nan:{Nan}",
        WastExpectedKind.Lanes => $"v128 {Shape} [{string.Join(' ', Lanes.Select(l => l.Nan == WastNanPattern.None ? $"0x{l.Bits:x}" : $"nan:{l.Nan}"))}]",
        WastExpectedKind.AnyExternRef => "ref.extern",
        _ => "ref.func",
    };
}
