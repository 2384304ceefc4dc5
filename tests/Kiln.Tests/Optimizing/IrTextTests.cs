using Kiln.Optimizing.Ir;

namespace Kiln.Tests.Optimizing;

/// <summary>The text form round-trips exactly (parse, print, compare with the input) and refuses bad text with line:column.</summary>
public class IrTextTests
{
    /// <summary>Every instruction form the printer writes, once.</summary>
    private const string EveryForm = """
        function %all(i32, i64, f32, f64) -> i32, i64 {
        block0(v0: i32, v1: i64, v2: f32, v3: f64):
            v4 = iconst.i32 -2147483648
            v5 = iconst.i64 9223372036854775807
            v6 = fconst.f32 0x7fc00001
            v7 = fconst.f64 0x8000000000000000
            v8 = iadd.i32 v0, v4
            v9 = rotr.i64 v1, v5
            v10 = popcnt.i64 v1
            v11 = eqz.i64 v1
            v12 = sextend32.i64 v1
            v13 = iuge.i64 v1, v5
            v14 = fcopysign.f32 v2, v6
            v15 = fnearest.f64 v3
            v16 = fge.f64 v3, v7
            v17 = wrap.i32 v1
            v18 = sextend.i64 v0
            v19 = uextend.i64 v0
            v20 = trunc_s.i32 v2
            v21 = trunc_u.i64 v3
            v22 = trunc_sat_s.i32 v3
            v23 = trunc_sat_u.i64 v2
            v24 = convert_s.f32 v1
            v25 = convert_u.f64 v0
            v26 = demote.f32 v3
            v27 = promote.f64 v2
            v28 = bitcast.i32 v2
            v29 = bitcast.f64 v1
            v30 = select.f32 v0, v2, v6
            v31 = load.f64 v0+4294967295
            v32 = sload8.i32 v0
            v33 = uload16.i64 v0+2
            v34 = sload32.i64 v0+8
            store.f32 v0+16, v2
            store8.i32 v0, v0
            store32.i64 v0+1, v1
            v35 = global_get.f64 g3
            global_set.i64 g0, v1
            v36 = memory_size.i32
            v37 = memory_grow.i32 v36
            v38, v39 = call fn7(v0, v3) : (i32, f64) -> (i32, i64)
            call fn2() : () -> ()
            brif v0, block1(v0), block2
        block1(v40: i32):
            br_table v40, block3(v40, v1), [block2, block3(v0, v5), block2]
        block2:
            jump block3(v38, v39)
        block3(v41: i32, v42: i64):
            brif v41, block4, block5
        block4:
            return v41, v42
        block5:
            trap integer_divide_by_zero
        }

        """;

    [Fact]
    public void EveryFormRoundTrips()
    {
        string text = EveryForm.ReplaceLineEndings("\n");
        IrFunction f = IrParser.Parse(text);
        Assert.Empty(IrVerifier.Verify(f));
        Assert.Equal(text, IrPrinter.Print(f));
    }

    [Fact]
    public void CommentsAndSpacingAreIgnoredAndNumbersKept()
    {
        const string text = "; a comment\nfunction %g() {  ; trailing\nblock7:\n  v9 = iconst.i32 1 ; here\n  return\n}\n";
        IrFunction f = IrParser.Parse(text);
        Assert.Equal("function %g() {\nblock7:\n    v9 = iconst.i32 1\n    return\n}\n", IrPrinter.Print(f));
    }

    [Theory]
    [InlineData("function f() {\nblock0:\n return\n}", "1:10: expected a function name like %f")]
    [InlineData("function %f() {\nblock0:\n v0 = iconst.i32 4294967296\n return\n}", "3:18: bad i32 constant")]
    [InlineData("function %f() {\nblock0:\n v0 = fconst.f32 1.0\n return\n}", "3:18: bad f32 bit pattern")]
    [InlineData("function %f() {\nblock0:\n v0 = frob.i32 v1\n return\n}", "3:7: unknown opcode 'frob'")]
    [InlineData("function %f() {\nblock0:\n v0 = iadd v1, v2\n return\n}", "3:7: 'iadd' needs a type")]
    [InlineData("function %f() {\nblock0:\n jump.i32 block0\n}", "3:2: 'jump' takes no type")]
    [InlineData("function %f(v128) {\nblock0:\n return\n}", "1:13: type v128 is not supported")]
    [InlineData("function %f() {\nblock0:\n v0 = iconst.i32 1\n v0 = iconst.i32 2\n return\n}", "4:2: v0 defined twice")]
    [InlineData("function %f() {\nblock0:\n v0, v1 = iconst.i32 1\n return\n}", "3:11: 'iconst' defines 1 value(s), 2 written")]
    [InlineData("function %f() {\nblock0:\n trap bad_thing\n}", "3:7: unknown trap code 'bad_thing'")]
    [InlineData("function %f() {\nblock0:\n return\nblock0:\n return\n}", "4:1: block0 defined twice")]
    [InlineData("function %f() {\n v0 = iconst.i32 1\n}", "2:2: instruction before the first block")]
    [InlineData("function %f() {\nblock0:\n return\n} x", "4:3: text after the function's closing brace")]
    [InlineData("function %f() {\nblock0:\n return #\n}", "3:9: unexpected character '#'")]
    [InlineData("function %f() {\nblock0:\n return", "3:2: unexpected end of text")]
    public void RefusesMalformedText(string text, string message)
    {
        var e = Assert.Throws<IrParseException>(() => IrParser.Parse(text));
        Assert.StartsWith(message, e.Message);
    }
}
