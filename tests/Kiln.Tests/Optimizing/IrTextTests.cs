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

    /// <summary>Every reference, table, bulk-memory and SIMD form, once.</summary>
    private const string EveryWasm2Form = """
        function %wasm2(i32, v128, funcref, externref) -> v128, externref {
        block0(v0: i32, v1: v128, v2: funcref, v3: externref):
            v4 = ref_null.funcref
            v5 = ref_func.funcref fn3
            v6 = ref_is_null.externref v3
            v7, v8 = call_indirect t1, type4, v0(v1, v0) : (v128, i32) -> (i32, v128)
            call_indirect t0, type0, v6() : () -> ()
            v9 = table_get.funcref t0, v0
            table_set.externref t1, v0, v3
            v10 = table_size.funcref t0
            v11 = table_grow.funcref t0, v2, v0
            table_fill.externref t1, v0, v3, v0
            table_copy t0, t2, v0, v10, v11
            table_init t0, e3, v0, v0, v0
            elem_drop e3
            memory_fill v0, v0, v0
            memory_copy v0, v6, v7
            memory_init d1, v0, v0, v0
            data_drop d1
            v12 = vconst.v128 0x000102030405060708090a0b0c0d0e0f
            v13 = simd.v128 i32x4.add v1, v12
            v14 = simd.i32 i8x16.extract_lane_s 15, v13
            v15 = simd.v128 i32x4.replace_lane 3, v13, v14
            v16 = simd.v128 i8x16.shuffle [0, 17, 2, 19, 4, 21, 6, 23, 8, 25, 10, 27, 12, 29, 14, 31], v13, v1
            v17 = simd.v128 v128.bitselect v1, v12, v16
            v18 = simd.i32 v128.any_true v17
            v19 = simd.v128 f32x4.demote_f64x2_zero v17
            v20 = load.v128 v0+16
            store.v128 v0, v20
            v21 = simd_load.v128 v128.load8x8_s v0+8
            v22 = simd_load.v128 v128.load16_lane 7, v0+2, v21
            simd_store.v128 v128.store64_lane 1, v0, v22
            v23 = select.v128 v0, v19, v22
            v24 = select.externref v0, v3, v3
            v25 = global_get.v128 g2
            global_set.funcref g1, v9
            return v23, v24
        }

        """;

    [Theory]
    [InlineData(EveryForm)]
    [InlineData(EveryWasm2Form)]
    public void EveryFormRoundTrips(string form)
    {
        string text = form.ReplaceLineEndings("\n");
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
    [InlineData("function %f(v256) {\nblock0:\n return\n}", "1:13: expected a type (i32, i64, f32, f64, v128, funcref, externref), found 'v256'")]
    [InlineData("function %f() {\nblock0:\n v0 = vconst.v128 0x1000000000000000000000000000000000\n return\n}", "3:19: bad v128 bit pattern")]
    [InlineData("function %f(v128) {\nblock0(v0: v128):\n v1 = simd.v128 i32x4.frob v0\n return\n}", "3:17: 'i32x4.frob' is not a SIMD instruction of simd")]
    [InlineData("function %f(i32) {\nblock0(v0: i32):\n v1 = simd.v128 v128.load32_zero v0\n return\n}", "3:17: 'v128.load32_zero' is not a SIMD instruction of simd")]
    [InlineData("function %f(v128) {\nblock0(v0: v128):\n v1 = simd.v128 i8x16.shuffle [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 32], v0, v0\n return\n}", "3:82: shuffle lane index 32 is not below 32")]
    [InlineData("function %f() {\nblock0:\n call_indirect t0, v0() : () -> ()\n return\n}", "3:20: expected typeN")]
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
