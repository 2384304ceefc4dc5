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
