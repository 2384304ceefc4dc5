using Kiln.Optimizing.Ir;

namespace Kiln.Tests.Optimizing;

/// <summary>Each error the verifier reports, from a function that has exactly that fault, and a clean function that has none.</summary>
public class IrVerifierTests
{
    private static List<string> Errors(string text) => IrVerifier.Verify(IrParser.Parse(text));

    [Fact]
    public void AcceptsWellFormedLoop()
    {
        Assert.Empty(Errors("""
            function %f(i32) -> i32 {
            block0(v0: i32):
                jump block1(v0)
            block1(v1: i32):
                v2 = iadd.i32 v1, v0
                brif v2, block1(v2), block2
            block2:
                return v2
            }
            """));
    }

    [Theory]
    [InlineData("function %f(i32) {\nblock0(v0: i64):\n return\n}", "block0: entry block parameters (i64) differ from the function's (i32)")]
    [InlineData("function %f() {\nblock0:\n jump block5\n}", "block0: branch to block5, which does not exist")]
    [InlineData("function %f() {\nblock0:\n v0 = iconst.i32 1\n}", "block0: does not end with a terminator")]
    [InlineData("function %f() {\nblock0:\n return\n return\n}", "block0: 'return': terminator in the middle of the block")]
    [InlineData("function %f() -> i32 {\nblock0:\n return v7\n}", "block0: 'return v7': uses v7, which is not defined")]
    [InlineData("function %f() -> i32 {\nblock0:\n v1 = iadd.i32 v2, v2\n v2 = iconst.i32 1\n return v1\n}", "block0: 'v1 = iadd.i32 v2, v2': uses v2, whose definition does not dominate the use")]
    [InlineData("function %f(i32) -> i32 {\nblock0(v0: i32):\n brif v0, block1, block2\nblock1:\n v1 = iconst.i32 1\n jump block2\nblock2:\n return v1\n}", "block2: 'return v1': uses v1, whose definition does not dominate the use")]
    [InlineData("function %f(i32) -> i32 {\nblock0(v0: i32):\n v1 = iadd.i32 v0\n return v1\n}", "block0: 'v1 = iadd.i32 v0': takes 2 operand(s), has 1")]
    [InlineData("function %f(i32, i64) -> i32 {\nblock0(v0: i32, v1: i64):\n v2 = iadd.i32 v0, v1\n return v2\n}", "operand 2 (v1) is i64, expected i32")]
    [InlineData("function %f(f32) -> f32 {\nblock0(v0: f32):\n v1 = iadd.f32 v0, v0\n return v1\n}", "iadd needs an integer type")]
    [InlineData("function %f(i32) -> i32 {\nblock0(v0: i32):\n v1 = fabs.i32 v0\n return v1\n}", "fabs needs a float type")]
    [InlineData("function %f(i32) -> i32 {\nblock0(v0: i32):\n v1 = trunc_s.i32 v0\n return v1\n}", "trunc_s converts a float to an integer")]
    [InlineData("function %f(i32) -> f32 {\nblock0(v0: i32):\n v1 = bitcast.f32 v0\n v2 = bitcast.f64 v1\n return v1\n}", "bitcast reinterprets between an integer and a float of one width")]
    [InlineData("function %f(i64) {\nblock0(v0: i64):\n v1 = load.i32 v0\n return\n}", "operand 1 (v0) is i64, expected i32")]
    [InlineData("function %f(i32) {\nblock0(v0: i32):\n store32.i32 v0, v0\n return\n}", "store32 takes i64")]
    [InlineData("function %f(i32) {\nblock0(v0: i32):\n v1 = call fn0(v0) : (i32, i32) -> (i32)\n return\n}", "passes 1 argument(s), the signature takes 2")]
    [InlineData("function %f(i32) {\nblock0(v0: i32):\n call fn0(v0) : (i64) -> ()\n return\n}", "operand 1 (v0) is i32, expected i64")]
    [InlineData("function %f(i32) -> i32 {\nblock0(v0: i32):\n return\n}", "returns 0 value(s), the function returns 1")]
    [InlineData("function %f(i32) -> i64 {\nblock0(v0: i32):\n return v0\n}", "operand 1 (v0) is i32, expected i64")]
    [InlineData("function %f(i64) {\nblock0(v0: i64):\n brif v0, block1, block1\nblock1:\n return\n}", "operand 1 (v0) is i64, expected i32")]
    [InlineData("function %f(i32) {\nblock0(v0: i32):\n jump block1\nblock1(v1: i32):\n return\n}", "block0: 'jump block1': passes 0 argument(s) to block1, which takes 1")]
    [InlineData("function %f(i64) {\nblock0(v0: i64):\n jump block1(v0)\nblock1(v1: i32):\n return\n}", "argument 1 to block1 (v0) is i64, the parameter is i32")]
    [InlineData("function %f(i32) -> i32 {\nblock0(v0: i32):\n v1 = select.i32 v0, v0, v2\n v2 = fconst.f32 0x00000000\n return v1\n}", "operand 3 (v2) is f32, expected i32")]
    [InlineData("function %f(i32) {\nblock0(v0: i32):\n v1 = ref_null.i32\n return\n}", "ref_null needs a reference type")]
    [InlineData("function %f(funcref) {\nblock0(v0: funcref):\n v1 = ref_is_null.externref v0\n return\n}", "operand 1 (v0) is funcref, expected externref")]
    [InlineData("function %f() {\nblock0:\n v0 = ref_func.externref fn0\n return\n}", "ref_func is funcref")]
    [InlineData("function %f(i32, externref) {\nblock0(v0: i32, v1: externref):\n table_set.funcref t0, v0, v1\n return\n}", "operand 2 (v1) is externref, expected funcref")]
    [InlineData("function %f(i64) {\nblock0(v0: i64):\n v1 = table_get.funcref t0, v0\n return\n}", "operand 1 (v0) is i64, expected i32")]
    [InlineData("function %f(i32) {\nblock0(v0: i32):\n v1 = table_grow.i32 t0, v0, v0\n return\n}", "table_grow names the table's element type, a reference type")]
    [InlineData("function %f(i32, i64) {\nblock0(v0: i32, v1: i64):\n memory_fill v0, v1, v0\n return\n}", "operand 2 (v1) is i64, expected i32")]
    [InlineData("function %f(i64) {\nblock0(v0: i64):\n call_indirect t0, type0, v0() : () -> ()\n return\n}", "operand 1 (v0) is i64, expected i32")]
    [InlineData("function %f(i32) {\nblock0(v0: i32):\n call_indirect t0, type0, v0(v0) : (f32) -> ()\n return\n}", "operand 1 (v0) is i32, expected f32")]
    [InlineData("function %f(i32) {\nblock0(v0: i32):\n v1 = simd.v128 i32x4.add v0, v0\n return\n}", "operand 1 (v0) is i32, i32x4.add takes v128")]
    [InlineData("function %f(v128) {\nblock0(v0: v128):\n v1 = simd.v128 i32x4.add v0\n return\n}", "takes 2 operand(s), has 1")]
    [InlineData("function %f(v128) {\nblock0(v0: v128):\n v1 = simd.i64 i32x4.extract_lane 0, v0\n return\n}", "i32x4.extract_lane is simd.i32, not .i64")]
    [InlineData("function %f(v128) {\nblock0(v0: v128):\n v1 = simd.i32 i32x4.extract_lane 4, v0\n return\n}", "lane 4 is out of range for i32x4.extract_lane (4 lanes)")]
    [InlineData("function %f(i32, v128) {\nblock0(v0: i32, v1: v128):\n simd_store.v128 v128.store8_lane 16, v0, v1\n return\n}", "lane 16 is out of range for v128.store8_lane (16 lanes)")]
    [InlineData("function %f(i32) {\nblock0(v0: i32):\n v1 = simd_load.v128 v128.load8_lane 0, v0, v0\n return\n}", "operand 2 (v0) is i32, v128.load8_lane takes v128")]
    [InlineData("function %f(i32) {\nblock0(v0: i32):\n v1 = load.funcref v0\n return\n}", "memory holds no references")]
    [InlineData("function %f(v128) {\nblock0(v0: v128):\n v1 = select.v128 v0, v0, v0\n return\n}", "operand 1 (v0) is v128, expected i32")]
    [InlineData("function %f(v128) {\nblock0(v0: v128):\n v1 = vconst.i32 0x0\n return\n}", "vconst is v128")]
    public void ReportsEachError(string text, string error)
    {
        List<string> errors = Errors(text);
        Assert.Contains(errors, e => e.Contains(error, StringComparison.Ordinal));
    }

    /// <summary>Faults the text form cannot express (the parser derives targets and result types), made through the API.</summary>
    [Fact]
    public void ReportsTargetCountAndResultTypeFaults()
    {
        var f = new IrFunction("api", [IrType.I32], []);
        int b0 = f.CreateBlock();
        f.Layout.Add(b0);
        int v0 = f.AddBlockParam(b0, IrType.I32);
        int add = f.CreateInst(Op.Iadd, IrType.I32, [v0, v0]);
        f.AddResult(add, IrType.I64);
        f.Append(b0, add);
        int brif = f.CreateInst(Op.Brif, IrType.I32, [v0]);
        f.AddTarget(brif, b0, [v0]);
        f.Append(b0, brif);
        List<string> errors = IrVerifier.Verify(f);
        Assert.Contains(errors, e => e.Contains("result v1 is i64, iadd produces i32", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("has 1 branch target(s), brif needs 2", StringComparison.Ordinal));

        var g = new IrFunction("results", [], []);
        int c0 = g.CreateBlock();
        g.Layout.Add(c0);
        int store = g.CreateInst(Op.Iconst, IrType.I32, []);
        g.Append(c0, store);
        g.Append(c0, g.CreateInst(Op.Return, IrType.I32, []));
        Assert.Contains(IrVerifier.Verify(g), e => e.Contains("defines 0 value(s), iconst defines 1", StringComparison.Ordinal));

        // Operand counts the text form would not parse still print in the message.
        var h = new IrFunction("operands", [], []);
        int d0 = h.CreateBlock();
        h.Layout.Add(d0);
        h.Append(d0, h.CreateInst(Op.GlobalSet, IrType.I32, [], 0));
        h.Append(d0, h.CreateInst(Op.Store, IrType.I32, []));
        h.Append(d0, h.CreateInst(Op.Return, IrType.I32, []));
        List<string> operandErrors = IrVerifier.Verify(h);
        Assert.Contains("block0: 'global_set.i32 g0': takes 1 operand(s), has 0", operandErrors);
        Assert.Contains("block0: 'store.i32': takes 2 operand(s), has 0", operandErrors);
    }

    [Fact]
    public void ReportsAFunctionWithoutBlocks()
    {
        var f = new IrFunction("empty", [], []);
        Assert.Equal(["function has no blocks"], IrVerifier.Verify(f));
        Assert.Contains("function %empty", Assert.Throws<IrVerifierException>(() => IrVerifier.VerifyOrThrow(f)).Message);
    }
}
