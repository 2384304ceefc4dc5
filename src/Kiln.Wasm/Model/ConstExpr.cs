namespace Kiln.Wasm.Model;

/// <summary>
/// A constant expression (global initializers, segment offsets, element items) kept as its encoded
/// instruction bytes, including the final <c>end</c>, so it is decoded by the one instruction decoder.
/// </summary>
public sealed class ConstExpr
{
    public ConstExpr(ReadOnlyMemory<byte> code, int offset)
    {
        Code = code;
        Offset = offset;
    }

    /// <summary>The instructions, ending with <c>end</c> (0x0B).</summary>
    public ReadOnlyMemory<byte> Code { get; }

    /// <summary>Byte offset of the first instruction in the module (0 for synthesized ones).</summary>
    public int Offset { get; }

    /// <summary>A synthesized <c>ref.func index; end</c>, used for element segments encoded as function indices.</summary>
    public static ConstExpr RefFunc(uint functionIndex, int offset)
    {
        Span<byte> buffer = stackalloc byte[7];
        buffer[0] = 0xD2;
        int n = 1 + Binary.Leb128.WriteUnsigned(buffer[1..], functionIndex);
        buffer[n++] = 0x0B;
        return new ConstExpr(buffer[..n].ToArray(), offset);
    }
}
