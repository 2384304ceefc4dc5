using Kiln.Optimizing.Ir;

namespace Kiln.Tests.Optimizing;

/// <summary>
/// The builder takes every WebAssembly 2.0 feature the IR once refused (v128 and reference values, SIMD, tables,
/// bulk memory, call_indirect): each small function builds, verifies, and shows the IR opcode it became.
/// </summary>
public class SsaBuilderWasm2Tests
{
    [Theory]
    [InlineData("(func (param v128) (result v128) local.get 0)", "function %f0(v128) -> v128")]
    [InlineData("(func (result i32) (local externref) local.get 0 ref.is_null)", "v0 = ref_null.externref")]
    [InlineData("(func (param i32) (result i32) local.get 0 i32x4.splat i32x4.extract_lane 3)", "simd.i32 i32x4.extract_lane 3, v1")]
    [InlineData("(type $t (func)) (table 1 funcref) (func i32.const 0 call_indirect (type $t))", "call_indirect t0, type0, v0() : () -> ()")]
    [InlineData("(memory 1) (func i32.const 0 i32.const 0 i32.const 0 memory.fill)", "memory_fill v0, v1, v2")]
    [InlineData("(table 1 funcref) (func (result i32) table.size 0)", "table_size.funcref t0")]
    [InlineData("(func (result i32) ref.null func ref.is_null)", "ref_is_null.funcref v0")]
    [InlineData("(func (result v128) v128.const i64x2 1 2)", "vconst.v128 0x00000000000000020000000000000001")]
    public void BuildsWhatWasRefused(string body, string expected)
    {
        List<IrFunction> functions = OptimizingFiles.Build($"(module {body})");
        Assert.Contains(expected, IrPrinter.Print(functions[^1]), StringComparison.Ordinal);
    }
}
