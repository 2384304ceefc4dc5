namespace Kiln.Wasm.Text;

/// <summary>How the 16 bytes of a <c>v128.const</c> are split into lanes (spec 6.5.7).</summary>
public enum V128Shape
{
    I8x16,
    I16x8,
    I32x4,
    I64x2,
    F32x4,
    F64x2,
}

/// <summary>Lane counts and widths of <see cref="V128Shape"/>.</summary>
public static class V128ShapeExtensions
{
    public static int LaneCount(this V128Shape shape) => 16 / shape.LaneBytes();

    public static int LaneBytes(this V128Shape shape) => shape switch
    {
        V128Shape.I8x16 => 1,
        V128Shape.I16x8 => 2,
        V128Shape.I32x4 or V128Shape.F32x4 => 4,
        _ => 8,
    };

    public static bool IsFloat(this V128Shape shape) => shape is V128Shape.F32x4 or V128Shape.F64x2;
}
