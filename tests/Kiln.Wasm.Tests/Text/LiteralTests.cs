using System.Text;
using Kiln.Wasm.Text;

namespace Kiln.Wasm.Tests.Text;

public sealed class LiteralTests
{
    private static TokenKind Classify(string text) => Lexer.Tokenize(Encoding.UTF8.GetBytes(text), null)[0].Kind;

    [Theory]
    [InlineData("0", TokenKind.Nat)]
    [InlineData("1_000", TokenKind.Nat)]
    [InlineData("0xFF_ff", TokenKind.Nat)]
    [InlineData("-0x1", TokenKind.Int)]
    [InlineData("+7", TokenKind.Int)]
    [InlineData("1.", TokenKind.Float)]
    [InlineData("1.5e-3", TokenKind.Float)]
    [InlineData("1E+3", TokenKind.Float)]
    [InlineData("0x1.8p3", TokenKind.Float)]
    [InlineData("0x1P-3", TokenKind.Float)]
    [InlineData("0x1.p3", TokenKind.Float)]
    [InlineData("-inf", TokenKind.Float)]
    [InlineData("nan", TokenKind.Float)]
    [InlineData("+nan:0x7f_ffff", TokenKind.Float)]
    [InlineData("1__0", TokenKind.Reserved)]
    [InlineData("_1", TokenKind.Reserved)]
    [InlineData("1_", TokenKind.Reserved)]
    [InlineData("0x", TokenKind.Reserved)]
    [InlineData(".5", TokenKind.Reserved)]
    [InlineData("1e", TokenKind.Reserved)]
    [InlineData("1.e_1", TokenKind.Reserved)]
    [InlineData("0x1p", TokenKind.Reserved)]
    [InlineData("nan:0x", TokenKind.Keyword)]
    [InlineData("nan:canonical", TokenKind.Keyword)]
    [InlineData("+", TokenKind.Reserved)]
    [InlineData("0$l", TokenKind.Reserved)]
    [InlineData("$l$l", TokenKind.Id)]
    [InlineData("$", TokenKind.Reserved)]
    [InlineData("\"a\"\"b\"", TokenKind.Reserved)]
    [InlineData("$l\"a\"", TokenKind.Reserved)]
    [InlineData("a,b", TokenKind.Reserved)]
    [InlineData("offset=4", TokenKind.Keyword)]
    public void Token_shapes_are_classified(string text, object expected) => Assert.Equal((TokenKind)expected, Classify(text));

    [Theory]
    [InlineData("0", 32, 0UL)]
    [InlineData("4294967295", 32, 0xFFFF_FFFFUL)]
    [InlineData("-2147483648", 32, 0x8000_0000UL)]
    [InlineData("-1", 32, 0xFFFF_FFFFUL)]
    [InlineData("+2147483647", 32, 0x7FFF_FFFFUL)]
    [InlineData("0xffff_ffff_ffff_ffff", 64, ulong.MaxValue)]
    [InlineData("-0x8000000000000000", 64, 0x8000_0000_0000_0000UL)]
    [InlineData("-0", 64, 0UL)]
    [InlineData("255", 8, 255UL)]
    [InlineData("-128", 8, 0x80UL)]
    public void Integers_in_range(string text, int bits, ulong expected)
    {
        Assert.True(IntegerLiteral.TryParseInt(Encoding.ASCII.GetBytes(text), bits, out ulong value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("4294967296", 32)]
    [InlineData("-2147483649", 32)]
    [InlineData("+2147483648", 32)]
    [InlineData("0x1_0000_0000_0000_0000", 64)]
    [InlineData("18446744073709551616", 64)]
    [InlineData("-9223372036854775809", 64)]
    [InlineData("256", 8)]
    [InlineData("-129", 8)]
    public void Integers_out_of_range(string text, int bits) =>
        Assert.False(IntegerLiteral.TryParseInt(Encoding.ASCII.GetBytes(text), bits, out _));

    [Theory]
    [InlineData("0", 0x0000_0000u)]
    [InlineData("-0", 0x8000_0000u)]
    [InlineData("1", 0x3F80_0000u)]
    [InlineData("0x1p-149", 0x0000_0001u)]
    [InlineData("0x1p-150", 0x0000_0000u)]               // tie between 0 and the least subnormal: to even (0)
    [InlineData("0x1.000001p-150", 0x0000_0001u)]        // just above the tie
    [InlineData("0x1.8p-149", 0x0000_0002u)]             // tie: to even
    [InlineData("0x1.fffffep127", 0x7F7F_FFFFu)]
    [InlineData("0x1.fffffefffffffffffp127", 0x7F7F_FFFFu)]
    [InlineData("0x1.00000100000000000000000000001p0", 0x3F80_0001u)] // sticky digits far beyond 64 bits break the tie
    [InlineData("0x1.000001p0", 0x3F80_0000u)]           // exact tie: to even
    [InlineData("0x1.000003p0", 0x3F80_0002u)]           // exact tie: to even (up)
    [InlineData("0x0.0000000000000000000000000000001p0", 0x0180_0000u)]        // 2^-124
    [InlineData("0x1_0000p-16", 0x3F80_0000u)]
    [InlineData("inf", 0x7F80_0000u)]
    [InlineData("-inf", 0xFF80_0000u)]
    [InlineData("nan", 0x7FC0_0000u)]
    [InlineData("-nan", 0xFFC0_0000u)]
    [InlineData("nan:0x1", 0x7F80_0001u)]
    [InlineData("nan:0x7f_ffff", 0x7FFF_FFFFu)]
    [InlineData("1.5", 0x3FC0_0000u)]
    [InlineData("1e-45", 0x0000_0001u)]
    [InlineData("3.4028234663852886e38", 0x7F7F_FFFFu)]
    [InlineData("1_000.000_1", 0x447A_0002u)]
    [InlineData("0e99999999999999999", 0u)]
    [InlineData("1e-99999999999999999", 0u)]
    // 1 + 2^-24 + 2^-60: via double it becomes the tie 1 + 2^-24 and then 1.0; rounded directly it is above the tie.
    [InlineData("1.000000059604644776257986737988403547205962240695953369140625", 0x3F80_0001u)]
    public void F32_literals_round_to_nearest_even(string text, uint expected)
    {
        Assert.True(FloatLiteral.TryParseF32(Encoding.ASCII.GetBytes(text), out uint bits));
        Assert.Equal(expected.ToString("x8"), bits.ToString("x8"));
    }

    [Theory]
    [InlineData("0x1p128")]
    [InlineData("0x1.ffffffp127")]
    [InlineData("1e39")]
    [InlineData("340282356779733661637539395458142568448")]
    [InlineData("1e99999999999999999")]
    [InlineData("nan:0x0")]
    [InlineData("nan:0x80_0000")]
    public void F32_literals_out_of_range(string text) =>
        Assert.False(FloatLiteral.TryParseF32(Encoding.ASCII.GetBytes(text), out _));

    [Theory]
    [InlineData("0x1p-1074", 0x0000_0000_0000_0001UL)]
    [InlineData("0x1p-1075", 0x0000_0000_0000_0000UL)]
    [InlineData("0x1.fffffffffffffp1023", 0x7FEF_FFFF_FFFF_FFFFUL)]
    [InlineData("0x1.fffffffffffff7ffffffffp1023", 0x7FEF_FFFF_FFFF_FFFFUL)]
    [InlineData("0x1.00000000000008p0", 0x3FF0_0000_0000_0000UL)]
    [InlineData("0x1.00000000000008000001p0", 0x3FF0_0000_0000_0001UL)]
    [InlineData("0x1.00000000000018p0", 0x3FF0_0000_0000_0002UL)]
    [InlineData("nan:0xf_ffff_ffff_ffff", 0x7FFF_FFFF_FFFF_FFFFUL)]
    [InlineData("nan", 0x7FF8_0000_0000_0000UL)]
    [InlineData("-0x0p0", 0x8000_0000_0000_0000UL)]
    [InlineData("0.1", 0x3FB9_9999_9999_999AUL)]
    [InlineData("4.9e-324", 0x0000_0000_0000_0001UL)]
    [InlineData("2.4703282292062328e-324", 0x0000_0000_0000_0001UL)]
    [InlineData("2.4703282292062327e-324", 0x0000_0000_0000_0000UL)]
    public void F64_literals_round_to_nearest_even(string text, ulong expected)
    {
        Assert.True(FloatLiteral.TryParseF64(Encoding.ASCII.GetBytes(text), out ulong bits));
        Assert.Equal(expected.ToString("x16"), bits.ToString("x16"));
    }

    [Theory]
    [InlineData("0x1p1024")]
    [InlineData("0x1.fffffffffffff8p1023")]
    [InlineData("1e309")]
    [InlineData("nan:0x10_0000_0000_0000")]
    public void F64_literals_out_of_range(string text) =>
        Assert.False(FloatLiteral.TryParseF64(Encoding.ASCII.GetBytes(text), out _));
}
