namespace Kiln.Wasm.Text;

/// <summary>
/// Parses the operands of <c>v128.const</c> (spec 6.5.7): a shape keyword and one literal per lane,
/// each range-checked for the lane width. Shared by instructions and script constants; scripts may
/// also put <c>nan:canonical</c>/<c>nan:arithmetic</c> in float lanes of expected results.
/// </summary>
internal static class V128Literal
{
    public static V128Shape ParseShape(TokenCursor cursor)
    {
        V128Shape? shape = cursor.Kind == TokenKind.Keyword ? ShapeOf(cursor.Tokens.Bytes(cursor.Position)) : null;
        if (shape is null)
        {
            throw cursor.Error("unexpected token");
        }
        cursor.Advance();
        return shape.Value;
    }

    public static V128Shape? ShapeOf(ReadOnlySpan<byte> keyword) => keyword switch
    {
        _ when keyword.SequenceEqual("i8x16"u8) => V128Shape.I8x16,
        _ when keyword.SequenceEqual("i16x8"u8) => V128Shape.I16x8,
        _ when keyword.SequenceEqual("i32x4"u8) => V128Shape.I32x4,
        _ when keyword.SequenceEqual("i64x2"u8) => V128Shape.I64x2,
        _ when keyword.SequenceEqual("f32x4"u8) => V128Shape.F32x4,
        _ when keyword.SequenceEqual("f64x2"u8) => V128Shape.F64x2,
        _ => null,
    };

    /// <summary>Parses the lanes after the shape; <paramref name="lanes"/> gets one entry per lane, lane 0 first.</summary>
    public static void ParseLanes(TokenCursor cursor, V128Shape shape, bool allowNanPatterns, Span<WastLane> lanes)
    {
        int count = shape.LaneCount();
        // Count first, as the spec interpreter does: a short lane list is reported before a bad literal in it.
        int available = 0;
        while (available <= count && cursor.PeekKind(available) is not (TokenKind.LParen or TokenKind.RParen or TokenKind.Eof))
        {
            available++;
        }
        if (available != count)
        {
            throw cursor.Error("wrong number of lane literals");
        }
        for (int i = 0; i < count; i++)
        {
            TokenKind kind = cursor.Kind;
            if (allowNanPatterns && shape.IsFloat() && kind == TokenKind.Keyword)
            {
                lanes[i] = new WastLane(0, ParseNanPattern(cursor));
                continue;
            }
            lanes[i] = new WastLane(shape switch
            {
                V128Shape.I8x16 => cursor.ExpectInt(8),
                V128Shape.I16x8 => cursor.ExpectInt(16),
                V128Shape.I32x4 => cursor.ExpectInt(32),
                V128Shape.I64x2 => cursor.ExpectInt(64),
                V128Shape.F32x4 => cursor.ExpectF32(),
                _ => cursor.ExpectF64(),
            }, WastNanPattern.None);
        }
    }

    /// <summary>Consumes <c>nan:canonical</c> or <c>nan:arithmetic</c>.</summary>
    public static WastNanPattern ParseNanPattern(TokenCursor cursor)
    {
        if (cursor.TryKeyword("nan:canonical"u8))
        {
            return WastNanPattern.Canonical;
        }
        if (cursor.TryKeyword("nan:arithmetic"u8))
        {
            return WastNanPattern.Arithmetic;
        }
        throw cursor.Unexpected();
    }

    /// <summary>Packs lane bits into the two little-endian halves of a v128.</summary>
    public static (ulong Low, ulong High) Pack(V128Shape shape, ReadOnlySpan<WastLane> lanes)
    {
        Span<byte> bytes = stackalloc byte[16];
        int width = shape.LaneBytes();
        for (int i = 0; i < lanes.Length; i++)
        {
            ulong bits = lanes[i].Bits;
            for (int b = 0; b < width; b++)
            {
                bytes[i * width + b] = (byte)(bits >> (8 * b));
            }
        }
        return (BitConverter.ToUInt64(bytes[..8]), BitConverter.ToUInt64(bytes[8..]));
    }
}
