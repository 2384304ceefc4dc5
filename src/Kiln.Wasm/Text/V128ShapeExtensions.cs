namespace Kiln.Wasm.Text;

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
